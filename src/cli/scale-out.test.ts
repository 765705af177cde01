/**
 * Several processes on one Postgres store, end to end through the real command line and a real
 * Postgres (the test run's server, a database per test): three `grade` runs at once pay each
 * verdict once; two `serve --judge-url` replicas sent the same requests at once make one judge
 * call per distinct (answer, criterion); `kill -9` of a replica mid-load leaves nothing paid twice
 * beyond the calls it had in flight, its leases taken at once on its own host and after
 * `--lease-ms` from another. "Another host" is a replica in a UTS namespace of its own, with
 * another hostname (other-host.ts).
 */
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { demoRows, replayJudge, writeGradingInputs } from "../../test/judged-responses.js";
import { keywordVerdict } from "../../test/keyword-judge.js";
import { startServeWith } from "../../test/model-server.js";
import { type Standin, startStandin } from "../../test/openai-standin.js";
import { readJsonlFile } from "../../test/read-jsonl-file.js";
import { runCli } from "../../test/run-cli.js";
import { freshPostgresStore, needsPostgres, postgresSkipped } from "../../test/shared-postgres.js";
import { tempDir } from "../../test/temp-dir.js";
import { parsePostgresUrl } from "../store/postgres-store.js";

let standin: Standin | undefined;
afterEach(async () => {
  await standin?.close();
  standin = undefined;
});

/** Runs one query on the store's database (the test reads what the processes left). */
async function queryStore<R extends pg.QueryResultRow>(store: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: parsePostgresUrl(store).connectionString });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

const rubrics = [
  { criterion: "Mentions apples.", points: 5 },
  { criterion: "Mentions pears.", points: 3 },
];
const score = async (url: string, responses: string[]) => {
  const response = await fetch(`${url}/v1/score`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: [{ role: "user", content: "Fruit?" }], responses, rubrics }),
  });
  if (response.status !== 200) throw new Error(`score: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { rewards: number[] }).rewards;
};
/** Distinct answers, each mentioning apples, pears, both or neither. */
const answers = (n: number) => Array.from({ length: n }, (_, i) => `answer ${i}:${i % 2 ? " apples" : ""}${i % 3 ? " pears" : ""}`);
const expectedReward = (answer: string) => ((answer.includes("apples") ? 5 : 0) + (answer.includes("pears") ? 3 : 0)) / 8;

/**
 * Sends `load` to the doomed replica, kills it (SIGKILL) once 6 judge calls were made, and counts
 * the calls it had in flight then: paid for, never saved.
 */
async function killMidLoad(doomed: Awaited<ReturnType<typeof startServeWith>>, store: string, load: string[]) {
  void score(doomed.url, load).catch(() => {}); // cut by the kill
  while ((standin as Standin).chatCalls() < 6) await delay(10);
  const killedAt = performance.now();
  doomed.child.kill("SIGKILL");
  await doomed.result;
  const paidAtKill = (standin as Standin).chatCalls();
  const [{ n: saved }] = (await queryStore<{ n: number }>(store, "SELECT count(*)::int AS n FROM verdict_cache")) as [{ n: number }];
  const inFlight = paidAtKill - saved;
  expect(inFlight).toBeGreaterThan(0);
  return { inFlight, killedAt };
}

describe.skipIf(postgresSkipped)(`one Postgres store shared by processes ${needsPostgres}`, () => {
  it("three grade runs started together pay each verdict once, and every run gets its own id and ends done", async () => {
    const rows = demoRows(6);
    const dir = await tempDir();
    const store = await freshPostgresStore(dir);
    const inputs = await writeGradingInputs(rows, dir);
    const items = rows.reduce((n, row) => n + row.rubrics.length, 0);
    standin = await startStandin({ chat: replayJudge(rows), latencyMs: 80 });
    const args = (i: number) => [
      ...["grade", "--input", inputs.responses, "--examples", inputs.data, "--judge-url", standin?.url as string],
      ...["--judge-model", "replay", "--out", join(dir, `graded-${i}.jsonl`), "--store", store, "--concurrency", "4"],
    ];
    const results = await Promise.all([0, 1, 2].map((i) => runCli(args(i))));
    for (const result of results) {
      expect(result.stderr).not.toMatch(/error|note/i);
      expect(result.code).toBe(0);
    }
    expect(standin.chatCalls()).toBe(items);
    const judged = results.map((result) => Number(/ (\d+) judged/.exec(result.stdout)?.[1]));
    expect(judged.reduce((a, b) => a + b, 0)).toBe(items);
    expect(judged.filter((n) => n > 0).length).toBeGreaterThan(1); // the work was really shared
    const runs = await queryStore<{ id: string; status: string }>(store, "SELECT id, status FROM runs");
    expect(new Set(runs.map((run) => run.id)).size).toBe(3);
    expect(runs.every((run) => run.status === "done")).toBe(true);
    expect(await queryStore(store, "SELECT key FROM verdict_leases")).toEqual([]);
    for (const i of [0, 1, 2])
      readJsonlFile(join(dir, `graded-${i}.jsonl`)).forEach((row, n) => {
        expect(Number(row.score.toFixed(10))).toBe(rows[n]?.score);
      });
  });

  it("two serve replicas on two hosts sent the same requests at once make one judge call per distinct (answer, criterion)", async () => {
    const store = await freshPostgresStore(await tempDir());
    standin = await startStandin({ chat: keywordVerdict, latencyMs: 150 });
    const flags = ["--judge-url", standin.url, "--judge-model", "grader", "--store", store];
    // One of them as on another machine (its own hostname): leases are the database's, whatever the host.
    const replicas = await Promise.all([startServeWith(flags), startServeWith(flags, { hostname: "elsewhere" })]);
    try {
      const batches = [answers(6), answers(6).slice(2), answers(4)];
      // Every batch to both replicas at once, twice over.
      const sent = batches.flatMap((batch) => replicas.flatMap((replica) => [score(replica.url, batch), score(replica.url, batch)]));
      const rewards = await Promise.all(sent);
      rewards.forEach((got, i) => {
        expect(got).toEqual((batches[Math.floor(i / 4)] as string[]).map(expectedReward));
      });
      expect(standin.chatCalls()).toBe(answers(6).length * rubrics.length);
    } finally {
      for (const replica of replicas) replica.child.kill("SIGTERM");
      await Promise.all(replicas.map((replica) => replica.result));
    }
    expect(await queryStore(store, "SELECT key FROM verdict_leases")).toEqual([]);
  });

  it("kill -9 of a replica mid-load: the other pays only for what the dead one had in flight, at once", async () => {
    const store = await freshPostgresStore(await tempDir());
    standin = await startStandin({ chat: keywordVerdict, latencyMs: 400 });
    const flags = ["--judge-url", standin.url, "--judge-model", "grader", "--store", store, "--judge-concurrency", "4"];
    const [doomed, survivor] = await Promise.all([startServeWith(flags), startServeWith(flags)]);
    const load = answers(12);
    const distinct = load.length * rubrics.length;
    try {
      const { inFlight } = await killMidLoad(doomed, store, load);
      // Calls running (4) plus verdicts that came back and wait for their group commit (judge/group-commit.ts,
      // at most 20 ms plus the write: less than one judge latency, so at most one slot's worth each).
      expect(inFlight).toBeLessThanOrEqual(2 * 4);
      const started = performance.now();
      expect(await score(survivor.url, load)).toEqual(load.map(expectedReward));
      // The dead replica's leases were taken at once (same host, dead pid), not after --lease-ms (30 s).
      expect(performance.now() - started).toBeLessThan(15_000);
      expect(standin.chatCalls()).toBe(distinct + inFlight);
    } finally {
      survivor.child.kill("SIGTERM");
      await survivor.result;
    }
    const runs = await queryStore<{ status: string }>(store, "SELECT status FROM runs ORDER BY status");
    expect(runs.map((run) => run.status)).toEqual(["done", "running"]);
    // The killed replica's run is marked interrupted by the next process to open the store.
    const listed = await runCli(["verdicts", "list", "--store", store, "--json"]);
    expect(JSON.parse(listed.stdout).count).toBe(distinct);
    expect((await queryStore<{ status: string }>(store, "SELECT status FROM runs ORDER BY status")).map((run) => run.status)).toEqual([
      "done",
      "interrupted",
    ]);
  });

  it("kill -9 of a replica on another host: the other waits for its leases to lapse (--lease-ms), then the other pays only for what it had in flight", async () => {
    const store = await freshPostgresStore(await tempDir());
    standin = await startStandin({ chat: keywordVerdict, latencyMs: 400 });
    const flags = [
      "--judge-url",
      standin.url,
      "--judge-model",
      "grader",
      "--store",
      store,
      "--judge-concurrency",
      "4",
      "--lease-ms",
      "10000",
    ];
    const [doomed, survivor] = await Promise.all([startServeWith(flags, { hostname: "elsewhere" }), startServeWith(flags)]);
    const load = answers(12);
    try {
      const { inFlight, killedAt } = await killMidLoad(doomed, store, load);
      expect(await score(survivor.url, load)).toEqual(load.map(expectedReward));
      // Its pid cannot be checked from this host: the survivor waited for the leases to lapse,
      // 10 s after they were taken or last renewed (at most 0.8 s before the kill: the calls then
      // in flight), where its own 24 calls take 2.4 s.
      expect(performance.now() - killedAt).toBeGreaterThan(9000);
      expect(standin.chatCalls()).toBe(load.length * rubrics.length + inFlight);
    } finally {
      survivor.child.kill("SIGTERM");
      await survivor.result;
    }
    // Its run is another host's with a fresh heartbeat: still running until it is 5 minutes silent.
    await runCli(["verdicts", "list", "--store", store]);
    const runs = await queryStore<{ status: string; owner: string }>(store, "SELECT status, owner FROM runs ORDER BY status");
    expect(runs.map((run) => [run.status, run.owner.split(":")[0] === "elsewhere"])).toEqual([
      ["done", false],
      ["running", true],
    ]);
  });
});
