/**
 * Judge-backed rewards (`serve --judge-url`) under load: `medrubric serve` in its own process,
 * its judge the OpenAI stand-in (bench/standin-server.ts, another process) answering each call
 * after `--latency-ms` (default 200). Clients send GRPO groups (8 answers x 12 criteria, one
 * prompt per request) back to back for `--seconds`: 1 client, 64 clients, and 64 clients where a
 * quarter of each group's answers repeat answers already judged (served from the verdict cache).
 * Judge calls (read off the server's /metrics) and criteria per second are set against the bound
 * the concurrency and latency set: `--judge-concurrency` calls every `latency`, and for one
 * client one group's 96 calls in ceil(96 / concurrency) waves. Latency is per request. The CPU
 * time per judge call of the server, the stand-in and the clients (from /proc) says what each
 * costs apart from the load other processes put on the machine, and a first row asks the stand-in
 * directly (no server) to show what the judge side of the bench reaches alone. The server's event
 * loop delay (its /metrics) is given per load, and last for the largest request it accepts alone
 * (also read off /healthz answering meanwhile).
 *
 *   node --import tsx bench/judge-server.bench.ts [--runs 3] [--seconds 15] [--judge-concurrency 64] [--latency-ms 200]
 *     [--largest-only] [--profile DIR] [--server-node-args "--max-semi-space-size=64"]
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { loadGraderPrompt, renderGraderPrompt } from "../src/judge/grader-prompt.js";
import { createLlmClient } from "../src/llm/openai-client.js";
import { builtCli } from "../test/built-cli.js";
import { spawnCommand } from "../test/run-command.js";
import { median, numberFlag, printReport } from "./markdown-report.js";

const runs = numberFlag("--runs", 3);
const seconds = numberFlag("--seconds", 15);
const concurrency = numberFlag("--judge-concurrency", 64);
const latencyMs = numberFlag("--latency-ms", 200);
/** `--profile DIR`: the server writes a V8 CPU profile there when it exits (node --cpu-prof). */
const profileDir = process.argv.includes("--profile") ? process.argv[process.argv.indexOf("--profile") + 1] : undefined;
/** `--server-node-args "..."`: options for the server's node (V8 flags, e.g. "--max-semi-space-size=64"). */
const serverNodeArgs = process.argv.includes("--server-node-args")
  ? (process.argv[process.argv.indexOf("--server-node-args") + 1] ?? "").split(" ").filter(Boolean)
  : [];
const ANSWERS = 8;
const CRITERIA = 12;

const standin = spawn(process.execPath, ["--import", "tsx", "bench/standin-server.ts", String(latencyMs)], {
  stdio: ["ignore", "pipe", "inherit"],
});
const judgeUrl = (await createInterface({ input: standin.stdout })[Symbol.asyncIterator]().next()).value as string;
const store = join(mkdtempSync(join(tmpdir(), "medrubric-judge-bench-")), "store.sqlite");
const probeFile = join(dirname(store), "loop-probe.json");
const serve = spawnCommand(
  process.execPath,
  [
    ...(profileDir ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : []),
    ...serverNodeArgs,
    "--import",
    "tsx",
    "--import",
    "./bench/loop-probe.ts",
    builtCli,
    "serve",
    "--port",
    "0",
    "--judge-url",
    judgeUrl,
    "--judge-model",
    "standin",
    "--judge-concurrency",
    String(concurrency),
    "--store",
    store,
    "--max-queue",
    "100000",
    "--request-timeout-ms",
    "600000",
  ],
  { env: { MEDRUBRIC_LOOP_PROBE: probeFile } },
);
// Also when this process fails: servers left behind would skew every later benchmark, and each
// run's store (100+ MB of verdicts) would stay in the temp folder.
process.on("exit", () => {
  serve.child.kill();
  standin.kill();
  rmSync(dirname(store), { recursive: true, force: true });
});
const url = await new Promise<string>((resolve, reject) => {
  let seen = "";
  serve.child.stdout?.on("data", (chunk: Buffer) => {
    seen += chunk.toString();
    const match = /listening on (http:\/\/\S+)/.exec(seen);
    if (match) resolve(match[1] as string);
  });
  void serve.result.then((r) => reject(new Error(`serve exited: ${r.stderr}`)));
});

const prompt = [
  { role: "user" as const, content: "My 4-year-old has had a fever of 39.5 C for three days and now a rash. What should I do?" },
];
const rubrics = Array.from({ length: CRITERIA }, (_, i) => ({
  criterion: `Criterion ${i}: advises on point ${i}.`,
  points: i % 4 === 3 ? -2 : 3,
}));
let fresh = 0;
const judged: string[] = [];
const newAnswer = () => `Answer ${process.pid}-${fresh++}: see a doctor today; call emergency services if she is drowsy.`;

/** CPU seconds a process has used (user + system, from /proc): what a judge call costs it, apart from the load other processes put on the machine. */
function cpuSeconds(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * The server's main thread (its event loop): ms it ran and ms it was ready but waited for a core
 * (/proc schedstat), so a loaded machine's share of its delays can be told from its own work.
 */
function loopThread(): { run: number; wait: number } {
  const pid = serve.child.pid;
  const [run, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, "utf8").split(" ").map(Number);
  return { run: (run ?? 0) / 1e6, wait: (wait ?? 0) / 1e6 };
}
const threadSince = (before: { run: number; wait: number }) => {
  const now = loopThread();
  return { run: now.run - before.run, wait: now.wait - before.wait };
};

/** Starts the server's loop probe (bench/loop-probe.ts). */
const startProbe = () => process.kill(serve.child.pid as number, "SIGUSR2");

/** Stops the loop probe and reads it: the CPU ms of the server's own work between 1 ms ticks (p50, p99, max). */
async function readProbe(): Promise<{ p50: number; p99: number; max: number; maxAtUs: number; over3ms: unknown[] }> {
  rmSync(probeFile, { force: true });
  process.kill(serve.child.pid as number, "SIGUSR2");
  while (!existsSync(probeFile)) await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve) => setTimeout(resolve, 5));
  return JSON.parse(readFileSync(probeFile, "utf8"));
}

/** CPU seconds of the server, the stand-in judge and this process (the clients) so far. */
const cpuNow = () => ({ server: cpuSeconds(serve.child.pid), standin: cpuSeconds(standin.pid), bench: cpuSeconds(process.pid) });

/** CPU ms per judge call of each process between two `cpuNow()`s. */
function cpuPerCall(before: ReturnType<typeof cpuNow>, calls: number) {
  const after = cpuNow();
  const per = (key: keyof typeof after) => (1000 * (after[key] - before[key])) / calls;
  return { server: per("server"), standin: per("standin"), bench: per("bench") };
}

/**
 * What the server's /metrics says: its judge calls so far, and how long its event loop was held
 * since the previous scrape (ms: p50, p99, max), which this scrape starts afresh.
 */
async function scrape(): Promise<{ calls: number; callSeconds: number; loop: LoopDelay }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const loop = (quantile: string) =>
    1000 * Number(new RegExp(`medrubric_event_loop_delay_seconds\\{quantile="${quantile}"\\} (\\S+)`).exec(text)?.[1] ?? Number.NaN);
  return {
    calls: Number(/medrubric_judge_calls_total\{outcome="ok"\} (\d+)/.exec(text)?.[1] ?? 0),
    callSeconds: Number(/medrubric_judge_call_duration_seconds_sum (\S+)/.exec(text)?.[1] ?? 0),
    loop: { p50: loop("0.5"), p99: loop("0.99"), max: loop("1") },
  };
}
interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

/** `clients` clients sending groups back to back for `seconds`; `repeats` of each group's answers were judged before. */
async function load(clients: number, repeats: number) {
  const latencies: number[] = [];
  const before = await scrape();
  const cpuBefore = cpuNow();
  const threadBefore = loopThread();
  const started = performance.now();
  const until = started + seconds * 1000;
  let failed = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const old = Array.from(
          { length: judged.length >= ANSWERS ? repeats : 0 },
          () => judged[Math.floor(Math.random() * judged.length)] as string,
        );
        const responses = [...old, ...Array.from({ length: ANSWERS - old.length }, newAnswer)];
        const sent = performance.now();
        const response = await fetch(`${url}/v1/score`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ prompt, responses, rubrics, group_normalize: true }),
        });
        const body = (await response.json()) as { results?: { judge_failures: number }[] };
        if (response.status !== 200 || body.results?.some((r) => r.judge_failures > 0)) failed++;
        latencies.push(performance.now() - sent);
        judged.push(...responses.slice(old.length));
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const after = await scrape();
  const calls = after.calls - before.calls;
  const cpu = cpuPerCall(cpuBefore, calls);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] as number;
  return {
    callsPerSecond: calls / elapsed,
    criteriaPerSecond: (latencies.length * ANSWERS * CRITERIA) / elapsed,
    p50: at(0.5),
    p95: at(0.95),
    failed,
    cpu,
    loop: after.loop,
    thread: threadSince(threadBefore),
    // A slot's cycle (the concurrency's time over the calls made) and the judge call's part of it:
    // the rest is the server's own steps around a call (claim, queue, event loop).
    cycleMs: (1000 * concurrency * elapsed) / calls,
    callMs: (1000 * (after.callSeconds - before.callSeconds)) / calls,
  };
}

/**
 * The stand-in judge without the server: this process asks it directly through the LLM client
 * (the server's transport), `concurrency` calls in flight, with the grader prompt the server
 * sends. What the judge side of the bench reaches alone, against the same bound.
 */
async function standinAlone() {
  const client = createLlmClient({ endpoints: [{ baseUrl: judgeUrl }], model: "standin", temperature: 0, concurrency });
  const grader = await loadGraderPrompt();
  const ask = (n: number) => {
    const completion = [{ role: "assistant" as const, content: `Answer alone-${n}: see a doctor today.` }];
    return [
      {
        role: "user" as const,
        content: renderGraderPrompt(grader, [...prompt, ...completion], rubrics[n % CRITERIA] as (typeof rubrics)[number]),
      },
    ];
  };
  const cpuBefore = cpuNow();
  const started = performance.now();
  const until = started + seconds * 1000;
  let calls = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) await client.chat(ask(calls++), { json: true });
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return { callsPerSecond: calls / elapsed, cpu: cpuPerCall(cpuBefore, calls) };
}

const waveBound = (ANSWERS * CRITERIA) / (Math.ceil((ANSWERS * CRITERIA) / concurrency) * (latencyMs / 1000));
const fullBound = concurrency / (latencyMs / 1000);
const scenarios = [
  { label: "1 client, every answer new", clients: 1, repeats: 0, bound: Math.min(waveBound, fullBound) },
  { label: "64 clients, every answer new", clients: 64, repeats: 0, bound: fullBound },
  { label: "64 clients, 2 of 8 answers repeat", clients: 64, repeats: 2, bound: fullBound },
];
/**
 * The event loop while the largest request `--max-judge-work` lets in (64 answers x 64 criteria =
 * 4,096, every answer new) is hashed, looked up and queued: /healthz is asked every 2 ms meanwhile
 * and its slowest answers say how long the loop was held (an idle /healthz takes about 1 ms here),
 * as does the server's own measure of its loop's delay (/metrics) over the request.
 */
async function largestRequest() {
  await scrape();
  const threadBefore = loopThread();
  startProbe();
  const big = Array.from({ length: 64 }, (_, i) => ({ criterion: `Large criterion ${i}: advises on point ${i}.`, points: 1 }));
  const times: number[] = [];
  let done = false;
  const sent = fetch(`${url}/v1/score`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt, responses: Array.from({ length: 64 }, newAnswer), rubrics: big }),
  }).then(async (response) => {
    await response.arrayBuffer();
    done = true;
  });
  while (!done) {
    const asked = performance.now();
    await (await fetch(`${url}/healthz`)).arrayBuffer();
    times.push(performance.now() - asked);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await sent;
  const thread = threadSince(threadBefore);
  const own = await readProbe();
  const { loop } = await scrape();
  times.sort((a, b) => a - b);
  return { max: times.at(-1) as number, p99: times[Math.floor(0.99 * (times.length - 1))] as number, loop, thread, own };
}

const load0 = loadavg();
const rows: string[] = [];
/** `--largest-only`: skips the throughput table (the event loop alone, quicker to rerun). */
const largestOnly = process.argv.includes("--largest-only");
const loopCell = (loops: LoopDelay[]) =>
  `${median(loops.map((x) => x.p50)).toFixed(1)} / ${median(loops.map((x) => x.p99)).toFixed(1)} / ${median(loops.map((x) => x.max)).toFixed(1)}`;
/** The server's loop thread's wait for a core, as a share of its run time. */
const waitCell = (threads: { run: number; wait: number }[]) => `${median(threads.map((x) => (100 * x.wait) / x.run)).toFixed(0)}%`;
const cpuCell = (cpu: { server: number; standin: number; bench: number }[]) =>
  `${median(cpu.map((x) => x.server)).toFixed(2)} | ${median(cpu.map((x) => x.standin)).toFixed(2)} / ${median(cpu.map((x) => x.bench)).toFixed(2)}`;
if (!largestOnly) {
  const alone = [];
  for (let r = 0; r < runs; r++) alone.push(await standinAlone());
  const calls = median(alone.map((x) => x.callsPerSecond));
  rows.push(
    `| the stand-in judge alone (${concurrency} calls in flight from this process, no server) | ${calls.toFixed(0)} | ${fullBound.toFixed(0)} | ${((100 * calls) / fullBound).toFixed(0)}% | - | - | ${cpuCell(alone.map((x) => x.cpu))} | - | - | - | 0 |`,
  );
}
for (const s of largestOnly ? [] : scenarios) {
  const results = [];
  for (let r = 0; r < runs; r++) results.push(await load(s.clients, s.repeats));
  const calls = median(results.map((x) => x.callsPerSecond));
  const criteria = median(results.map((x) => x.criteriaPerSecond));
  const criteriaBound = s.bound / (1 - s.repeats / ANSWERS);
  rows.push(
    `| ${s.label} | ${calls.toFixed(0)} | ${s.bound.toFixed(0)} | ${((100 * calls) / s.bound).toFixed(0)}% | ${criteria.toFixed(0)} (bound ${criteriaBound.toFixed(0)}) | ` +
      `${median(results.map((x) => x.p50)).toFixed(0)} / ${median(results.map((x) => x.p95)).toFixed(0)} | ${cpuCell(results.map((x) => x.cpu))} | ${loopCell(results.map((x) => x.loop))} | ${waitCell(results.map((x) => x.thread))} | ${median(results.map((x) => x.callMs)).toFixed(1)} / ${median(results.map((x) => x.cycleMs)).toFixed(1)} | ${results.reduce((n, x) => n + x.failed, 0)} |`,
  );
}
if (!largestOnly)
  printReport(
    runs,
    [
      "load (GRPO groups of 8 answers x 12 criteria)",
      "judge calls/s",
      "bound",
      "of bound",
      "criteria rewarded/s",
      "p50 / p95 ms",
      "server CPU ms per judge call",
      "stand-in / clients CPU ms per call",
      "server event loop delay p50 / p99 / max ms",
      "server loop thread's wait for a core / its run time",
      "judge call / slot cycle ms",
      "failed requests",
    ],
    rows,
  );
const largest = [];
for (let r = 0; r < runs; r++) largest.push(await largestRequest());
console.log(
  `\nthe largest request --max-judge-work allows (64 answers x 64 criteria) alone: the server's event loop delay p50 / p99 / max ` +
    `${loopCell(largest.map((x) => x.loop))} ms; /healthz asked every 2 ms meanwhile took at most ` +
    `${median(largest.map((x) => x.max)).toFixed(1)} ms (p99 ${median(largest.map((x) => x.p99)).toFixed(1)} ms); the loop's thread ran ` +
    `${median(largest.map((x) => x.thread.run)).toFixed(0)} ms and waited ${median(largest.map((x) => x.thread.wait)).toFixed(0)} ms for a core; median of ${runs} ` +
    `(runs: ${largest.map((x) => `${x.loop.p99.toFixed(1)} / ${x.loop.max.toFixed(1)}`).join(", ")} ms loop p99 / max). ` +
    `Its own work between 1 ms ticks (CPU time, apart from waits for a core): p50 / p99 / max ${median(largest.map((x) => x.own.p50)).toFixed(1)} / ` +
    `${median(largest.map((x) => x.own.p99)).toFixed(1)} / ${median(largest.map((x) => x.own.max)).toFixed(1)} ms ` +
    `(runs' max: ${largest.map((x) => `${x.own.max.toFixed(1)} ms at ${x.own.maxAtUs} us`).join(", ")})`,
);
if (process.argv.includes("--verbose"))
  console.log(
    `spans of own work over 3 ms (ms; when: ms after the request was sent, and the monotonic time in us, as a --profile's):\n${largest.map((x) => JSON.stringify(x.own.over3ms)).join("\n")}`,
  );
console.log(
  `\njudge latency ${latencyMs} ms, --judge-concurrency ${concurrency}, ${seconds} s per run; load average ${load0.map((x) => x.toFixed(2)).join(" ")} before, ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")} after`,
);
process.exit(0);
