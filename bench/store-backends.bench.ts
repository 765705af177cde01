/**
 * Judge-backed rewards per replica on each store (issue 32): `medrubric serve --judge-url` on a
 * SQLite file, on Postgres alone, and as two replicas on one Postgres, every judge call answered
 * by the stand-in (bench/standin-server.ts, its own process) after `--latency-ms`. Clients send
 * GRPO groups (8 new answers x 12 criteria, one prompt per request) back to back for `--seconds`,
 * `--clients` per replica. Judge calls per second per replica (read off each replica's /metrics)
 * are set against the bound the concurrency and latency set, `--judge-concurrency` calls every
 * `latency`; the Postgres rows against the SQLite row (the baseline). Postgres is a real server
 * started for the run from Debian's binaries (test/postgres-server.ts) with its durable defaults
 * (fsync and synchronous commits on), as a deployment would run it.
 *
 *   node --import tsx bench/store-backends.bench.ts [--runs 3] [--seconds 10] [--judge-concurrency 16] [--latency-ms 200] [--clients 4] [--pool 10]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { startServeWith } from "../test/model-server.js";
import { createDatabase, startPostgresServer } from "../test/postgres-server.js";
import { median, numberFlag, printReport } from "./markdown-report.js";

const runs = numberFlag("--runs", 3);
const seconds = numberFlag("--seconds", 10);
const concurrency = numberFlag("--judge-concurrency", 16);
const latencyMs = numberFlag("--latency-ms", 200);
const clientsPerReplica = numberFlag("--clients", 4);
/** Each Postgres replica's connection pool (the URL's pool=), default the store's. */
const pool = numberFlag("--pool", 10);
const ANSWERS = 8;
const CRITERIA = 12;
const bound = concurrency / (latencyMs / 1000);

const dir = mkdtempSync(join(tmpdir(), "medrubric-store-bench-"));
const standin = spawn(process.execPath, ["--import", "tsx", "bench/standin-server.ts", String(latencyMs)], {
  stdio: ["ignore", "pipe", "inherit"],
});
const postgres = await startPostgresServer({ durable: true });
const servers: Awaited<ReturnType<typeof startServeWith>>[] = [];
// Also when this process fails: servers left behind would skew every later benchmark, and the
// replicas' stores would stay in the temp folder.
process.on("exit", () => {
  for (const server of servers) server.child.kill();
  standin.kill();
  rmSync(dir, { recursive: true, force: true });
});
const judgeUrl = (await createInterface({ input: standin.stdout })[Symbol.asyncIterator]().next()).value as string;

/** A replica of `serve --judge-url` on `store`, once it listens: its URL and its pid. */
async function startReplica(store: string): Promise<{ url: string; pid: number }> {
  const serve = await startServeWith([
    ...["--judge-url", judgeUrl, "--judge-model", "standin", "--judge-concurrency", String(concurrency)],
    ...["--store", store, "--max-queue", "100000", "--request-timeout-ms", "600000"],
  ]);
  servers.push(serve);
  return { url: serve.url, pid: serve.child.pid as number };
}

const prompt = [{ role: "user", content: "My 4-year-old has had a fever of 39.5 C for three days and now a rash. What should I do?" }];
const rubrics = Array.from({ length: CRITERIA }, (_, i) => ({ criterion: `Criterion ${i}: advises on point ${i}.`, points: 3 }));
let fresh = 0;
const newAnswer = () => `Answer ${process.pid}-${fresh++}: see a doctor today; call emergency services if she is drowsy.`;

const cpuSeconds = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

async function judgeCalls(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/medrubric_judge_calls_total\{outcome="ok"\} (\d+)/.exec(text)?.[1] ?? 0);
}

/** Every replica loaded by its own clients at once for `seconds`: judge calls/s, server CPU ms per call, p50 request ms, per replica. */
async function load(replicas: readonly { url: string; pid: number }[]) {
  const before = await Promise.all(replicas.map((replica) => judgeCalls(replica.url)));
  const cpuBefore = replicas.map((replica) => cpuSeconds(replica.pid));
  const latencies: number[] = [];
  let failed = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    replicas.flatMap((replica) =>
      Array.from({ length: clientsPerReplica }, async () => {
        while (performance.now() < until) {
          const sent = performance.now();
          const response = await fetch(`${replica.url}/v1/score`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ prompt, responses: Array.from({ length: ANSWERS }, newAnswer), rubrics }),
          });
          const body = (await response.json()) as { results?: { judge_failures: number }[] };
          if (response.status !== 200 || body.results?.some((r) => r.judge_failures > 0)) failed++;
          latencies.push(performance.now() - sent);
        }
      }),
    ),
  );
  const elapsed = (performance.now() - started) / 1000;
  const calls = (await Promise.all(replicas.map((replica) => judgeCalls(replica.url)))).map((n, i) => n - (before[i] as number));
  const cpu = replicas.map((replica, i) => cpuSeconds(replica.pid) - (cpuBefore[i] as number));
  return {
    perReplica: calls.reduce((a, b) => a + b, 0) / replicas.length / elapsed,
    cpuMsPerCall: (1000 * cpu.reduce((a, b) => a + b, 0)) / calls.reduce((a, b) => a + b, 0),
    p50: median(latencies),
    failed,
  };
}

const setups = [
  { label: "SQLite file, 1 replica", stores: [join(dir, "store.sqlite")] },
  { label: "Postgres, 1 replica", stores: [await createDatabase(postgres.url)] },
  { label: "Postgres, 2 replicas on one database", stores: Array(2).fill(await createDatabase(postgres.url)) as string[] },
];
// Every replica is started first and the setups take turns within each run, so a change in the
// machine's load (it is shared) falls on all of them alike rather than on whichever ran last.
const started = [];
for (const setup of setups) {
  const replicas = [];
  for (const store of setup.stores)
    replicas.push(await startReplica(store.startsWith("postgres") ? `${store}?pool=${pool}&embeddings=${dir}/e.sqlite` : store));
  started.push({ ...setup, replicas, results: [] as Awaited<ReturnType<typeof load>>[] });
}
const load0 = loadavg();
for (let r = 0; r < runs; r++) for (const setup of started) setup.results.push(await load(setup.replicas));
const rows: string[] = [];
let baseline = 0;
for (const { label, results } of started) {
  const perReplica = median(results.map((x) => x.perReplica));
  baseline ||= perReplica;
  rows.push(
    `| ${label} | ${perReplica.toFixed(1)} | ${bound.toFixed(0)} | ${((100 * perReplica) / bound).toFixed(0)}% | ${((100 * perReplica) / baseline).toFixed(0)}% | ` +
      `${median(results.map((x) => x.p50)).toFixed(0)} | ${median(results.map((x) => x.cpuMsPerCall)).toFixed(2)} | ${results.reduce((n, x) => n + x.failed, 0)} |`,
  );
}
for (const server of servers) {
  server.child.kill("SIGTERM");
  await server.result;
}
await postgres.stop();
printReport(
  runs,
  [
    "store",
    "judge calls/s per replica",
    "bound per replica",
    "of bound",
    "vs SQLite",
    "p50 request ms",
    "server CPU ms per judge call",
    "failed requests",
  ],
  rows,
);
console.log(
  `\njudge latency ${latencyMs} ms, --judge-concurrency ${concurrency}, pool=${pool} per Postgres replica, ${clientsPerReplica} clients per replica sending groups of ${ANSWERS} answers x ${CRITERIA} criteria, ${seconds} s per run; load average ${load0.map((x) => x.toFixed(2)).join(" ")} before, ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")} after`,
);
process.exit(0);
