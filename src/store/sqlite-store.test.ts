import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { describeStoreContract } from "../../test/store-contract.js";
import { tempDir } from "../../test/temp-dir.js";
import { verdictSubject } from "../../test/verdict-subject.js";
import { openSqliteStore } from "./sqlite-store.js";

const info = { kind: "grade", config: {}, dataHash: "d", judgeModel: "j", promptVersion: "p" };

describeStoreContract("SQLite, in memory", async () => openSqliteStore(":memory:"));
describeStoreContract("SQLite, a file", async () => openSqliteStore(join(await tempDir(), "store.sqlite")), {
  location: async () => join(await tempDir(), "store.sqlite"),
  open: async (location, options) => openSqliteStore(location, options),
});

describe("SQLite store", () => {
  it("upgrades a store written before run ids were unique, runs' owners, the verdicts' subjects and prompts, keeping its verdicts", async () => {
    const path = join(await tempDir(), "old.sqlite");
    const old = new Database(path);
    old.exec(`CREATE TABLE runs (id TEXT PRIMARY KEY, kind TEXT NOT NULL, config TEXT NOT NULL, data_hash TEXT NOT NULL,
      judge_model TEXT NOT NULL, prompt_version TEXT NOT NULL, status TEXT NOT NULL, summary TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
      INSERT INTO runs VALUES ('old-identity', 'grade', '{}', 'd', 'j', 'p', 'done', NULL, 'now', 'now');
      INSERT INTO runs VALUES ('old-running', 'grade', '{}', 'd', 'j', 'p', 'running', NULL, '2020-01-01T00:00:00.000Z', '2020-01-01T00:00:00.000Z');
      CREATE TABLE verdict_cache (key TEXT PRIMARY KEY, judge_model TEXT NOT NULL, prompt_version TEXT NOT NULL,
        criteria_met INTEGER NOT NULL, explanation TEXT NOT NULL, prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, created_at TEXT NOT NULL);
      INSERT INTO verdict_cache VALUES ('old-key', 'j', 'p', 1, 'old', 1, 1, '2020-01-01T00:00:00.000Z');`);
    old.close();
    const store = openSqliteStore(path);
    const run = await store.startRun("old-identity", info);
    expect(run.resumed).toBe(true);
    expect(await store.cachedVerdicts(["old-key"])).toEqual([{ criteria_met: true, explanation: "old" }]);
    const subject = verdictSubject({ criterionKey: "c", conversationHash: "h", criterion: "Mentions apples." });
    const record = { runId: run.id, exampleKey: "e", itemIndex: 0, cacheKey: "new-key" };
    const verdict = { criteria_met: false, explanation: "" };
    await store.saveVerdicts([
      { record, subject, verdict, model: { judgeModel: "j", promptVersion: "p" }, tokens: { promptTokens: 1, completionTokens: 1 } },
    ]);
    expect((await store.criterionVerdicts(["c"], 5)).get("c")).toEqual([{ conversationHash: "h", criteria_met: false }]);
    // The old verdict has no prompt to train on: only the new one is a graded row.
    expect((await store.gradedRows({})).map((row) => [row.conversationHash, row.verdicts.length])).toEqual([["h", 1]]);
    expect((await store.listVerdicts({}, 10)).map((listed) => [listed.key, listed.criterion])).toEqual([
      ["old-key", null],
      ["new-key", "Mentions apples."],
    ]);
    // A run left running by a store without owners or heartbeats: its last update is its heartbeat, years old.
    expect([await store.runStatus("old-identity"), await store.runStatus("old-running")]).toEqual(["done", "interrupted"]);
    await store.close();
  });
});
