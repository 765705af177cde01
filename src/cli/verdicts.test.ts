/**
 * `medrubric verdicts list|remove` through the real command line, on a SQLite file and on Postgres:
 * filters by judge, prompt version, criterion text and age, counts printed, --json, --dry-run, and
 * the refusals (no filter, a missing store, a bad age).
 */
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { runCli } from "../../test/run-cli.js";
import { freshPostgresStore, needsPostgres, postgresSkipped } from "../../test/shared-postgres.js";
import { tempDir } from "../../test/temp-dir.js";
import { verdictSubject } from "../../test/verdict-subject.js";
import { EXIT_CODES } from "../core/errors.js";
import { openStore } from "../store/open-store.js";
import { parseAge } from "./verdicts.js";

const backends = [
  { name: "SQLite", location: async () => join(await tempDir(), "store.sqlite"), skip: undefined },
  { name: `Postgres ${needsPostgres}`, location: async () => freshPostgresStore(await tempDir()), skip: postgresSkipped },
];

/** A store with three verdicts: two of judge j (prompts p and p2), one of judge k. */
async function storeWithVerdicts(location: string): Promise<void> {
  const store = await openStore({ store: location });
  const run = await store.startRun("r", { kind: "grade", config: {}, dataHash: "d", judgeModel: "j", promptVersion: "p" });
  const verdicts = [
    ["k1", "j", "p", "Mentions apples."],
    ["k2", "j", "p2", "Mentions pears."],
    ["k3", "k", "p", "Advises rest."],
  ].map(([key, judgeModel, promptVersion, criterion], i) => ({
    record: { runId: run.id, exampleKey: "e", itemIndex: i, cacheKey: key as string },
    subject: verdictSubject({ criterionKey: `c${i}`, conversationHash: "h", criterion: criterion as string }),
    verdict: { criteria_met: i !== 1, explanation: "" },
    model: { judgeModel: judgeModel as string, promptVersion: promptVersion as string },
    tokens: { promptTokens: 1, completionTokens: 1 },
  }));
  for (const verdict of verdicts) await store.saveVerdicts([verdict]);
  await store.finishRun(run.id, "done", {});
  await store.close();
}

describe.each(backends)("medrubric verdicts on $name", ({ location, skip }) => {
  it.skipIf(skip)("lists by judge, prompt version and criterion, with counts and --json", async () => {
    const store = await location();
    await storeWithVerdicts(store);
    const all = await runCli(["verdicts", "list", "--store", store]);
    expect(all.code).toBe(0);
    const lines = all.stdout.trim().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z {2}j {2}p {2}met {2}Mentions apples\.$/);
    expect(lines[1]).toMatch(/ {2}j {2}p2 {2}not met {2}Mentions pears\.$/);
    expect(lines[3]).toMatch(/^3 cached verdicts in /);
    expect(lines[3]).not.toContain("pw");
    const json = await runCli([
      "verdicts",
      "list",
      "--store",
      store,
      "--judge-model",
      "j",
      "--criterion",
      "Mentions",
      "--limit",
      "1",
      "--json",
    ]);
    const parsed = JSON.parse(json.stdout);
    expect(parsed).toMatchObject({
      count: 1,
      more: true,
      verdicts: [{ key: "k1", judgeModel: "j", promptVersion: "p", criteria_met: true }],
    });
    const byPrompt = await runCli(["verdicts", "list", "--store", store, "--prompt-version", "p", "--json"]);
    expect(JSON.parse(byPrompt.stdout).verdicts.map((v: { key: string }) => v.key)).toEqual(["k1", "k3"]);
  });

  it.skipIf(skip)(
    "removes what matches (after a dry run that removes nothing), by age too, and refuses a remove without a filter",
    async () => {
      const store = await location();
      await storeWithVerdicts(store);
      const dry = await runCli(["verdicts", "remove", "--store", store, "--criterion", "Mentions", "--dry-run"]);
      expect(dry.stdout).toMatch(/^would remove 2 cached verdicts from .* \(dry run\)\n$/);
      const none = await runCli(["verdicts", "remove", "--store", store]);
      expect(none.code).toBe(EXIT_CODES.usage);
      expect(none.stderr).toBe(
        "medrubric: verdicts remove: give a filter (--judge-model, --prompt-version, --criterion, --older-than) or --all\n",
      );
      expect((await runCli(["verdicts", "remove", "--store", store, "--older-than", "1h"])).stdout).toMatch(/^removed 0 cached verdicts/);
      const removed = await runCli(["verdicts", "remove", "--store", store, "--judge-model", "j", "--prompt-version", "p2"]);
      expect(removed.stdout).toMatch(/^removed 1 cached verdict from /);
      await sleep(1100);
      const left = await runCli(["verdicts", "list", "--store", store, "--older-than", "1s", "--json"]);
      expect(JSON.parse(left.stdout).count).toBe(2);
      const rest = await runCli(["verdicts", "remove", "--store", store, "--all"]);
      expect(rest.stdout).toMatch(/^removed 2 cached verdicts from /);
    },
  );
});

describe("medrubric verdicts refusals", () => {
  it("names a store that does not exist instead of creating it, and reads ages", async () => {
    const missing = join(await tempDir(), "typo.sqlite");
    const result = await runCli(["verdicts", "list", "--store", missing]);
    expect(result.code).toBe(EXIT_CODES.not_found);
    expect(result.stderr).toBe(`medrubric: ${missing}: no such store\n`);
    expect([parseAge("90s"), parseAge("30m"), parseAge("1.5h"), parseAge("7d"), parseAge("2w")]).toEqual([
      90_000, 1_800_000, 5_400_000, 604_800_000, 1_209_600_000,
    ]);
    for (const bad of ["0s", "3x", "", "-1d", "d"]) expect(() => parseAge(bad)).toThrow("expected an age > 0");
  });

  it("says in one line, without the password or a stack, that a Postgres store is unreachable (exit 69) or its URL unreadable (exit 78)", async () => {
    const unreachable = await runCli(["verdicts", "list", "--store", "postgres://medrubric:s3cret@127.0.0.1:1/medrubric"]);
    expect(unreachable.code).toBe(EXIT_CODES.network);
    expect(unreachable.stderr).toMatch(/^medrubric: postgres:\/\/medrubric@127\.0\.0\.1:1\/medrubric: the store is unreachable: [^\n]+\n$/);
    const badPool = await runCli(["verdicts", "list", "--store", "postgres://medrubric:s3cret@127.0.0.1:1/medrubric?pool=0"]);
    expect(badPool.code).toBe(EXIT_CODES.config);
    expect(badPool.stderr).toBe(
      "medrubric: postgres://medrubric@127.0.0.1:1/medrubric: pool=0: the connection pool's size must be an integer from 1 to 100\n",
    );
  });
});
