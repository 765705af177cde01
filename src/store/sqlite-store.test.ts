import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { describeStoreContract } from "../../test/store-contract.js";
import { tempDir } from "../../test/temp-dir.js";
import { openSqliteStore } from "./sqlite-store.js";

const info = { kind: "grade", config: {}, dataHash: "d", judgeModel: "j", promptVersion: "p" };

describeStoreContract("SQLite, in memory", async () => openSqliteStore(":memory:"));
describeStoreContract("SQLite, a file", async () => openSqliteStore(join(await tempDir(), "store.sqlite")));

describe("SQLite store", () => {
  it("upgrades a store written before run ids were unique and before the verdicts' subjects, keeping its verdicts", async () => {
    const path = join(await tempDir(), "old.sqlite");
    const old = new Database(path);
    old.exec(`CREATE TABLE runs (id TEXT PRIMARY KEY, kind TEXT NOT NULL, config TEXT NOT NULL, data_hash TEXT NOT NULL,
      judge_model TEXT NOT NULL, prompt_version TEXT NOT NULL, status TEXT NOT NULL, summary TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
      INSERT INTO runs VALUES ('old-identity', 'grade', '{}', 'd', 'j', 'p', 'done', NULL, 'now', 'now');
      CREATE TABLE verdict_cache (key TEXT PRIMARY KEY, judge_model TEXT NOT NULL, prompt_version TEXT NOT NULL,
        criteria_met INTEGER NOT NULL, explanation TEXT NOT NULL, prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, created_at TEXT NOT NULL);
      INSERT INTO verdict_cache VALUES ('old-key', 'j', 'p', 1, 'old', 1, 1, 'now');`);
    old.close();
    const store = openSqliteStore(path);
    const run = await store.startRun("old-identity", info);
    expect(run.resumed).toBe(true);
    expect(await store.cachedVerdicts(["old-key"])).toEqual([{ criteria_met: true, explanation: "old" }]);
    const subject = { criterionKey: "c", conversationHash: "h", answer: "a" };
    const record = { runId: run.id, exampleKey: "e", itemIndex: 0, cacheKey: "new-key" };
    const verdict = { criteria_met: false, explanation: "" };
    await store.saveVerdicts([
      { record, subject, verdict, model: { judgeModel: "j", promptVersion: "p" }, tokens: { promptTokens: 1, completionTokens: 1 } },
    ]);
    expect((await store.criterionVerdicts(["c"], 5)).get("c")).toEqual([{ conversationHash: "h", criteria_met: false }]);
    await store.close();
  });
});
