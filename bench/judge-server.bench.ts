/**
 * Judge-backed rewards (`serve --judge-url`) under load: `medrubric serve` in its own process,
 * its judge the OpenAI stand-in (bench/standin-server.ts, another process) answering each call
 * after `--latency-ms` (default 200). Clients send GRPO groups (8 answers x 12 criteria, one
 * prompt per request) back to back for `--seconds`: 1 client, 64 clients, and 64 clients where a
 * quarter of each group's answers repeat answers already judged (served from the verdict cache).
 * Judge calls (read off the server's /metrics) and criteria per second are set against the bound
 * the concurrency and latency set: `--judge-concurrency` calls every `latency`, and for one
 * client one group's 96 calls in ceil(96 / concurrency) waves. Latency is per request. The
 * server's CPU time per judge call (from /proc) says what the server costs apart from the load
 * other processes put on the machine. Last, the longest the server's event loop is held by the
 * largest request it accepts (read off /healthz answering meanwhile).
 *
 *   node --import tsx bench/judge-server.bench.ts [--runs 3] [--seconds 15] [--judge-concurrency 64] [--latency-ms 200]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
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
const ANSWERS = 8;
const CRITERIA = 12;

const standin = spawn(process.execPath, ["--import", "tsx", "bench/standin-server.ts", String(latencyMs)], {
  stdio: ["ignore", "pipe", "inherit"],
});
const judgeUrl = (await createInterface({ input: standin.stdout })[Symbol.asyncIterator]().next()).value as string;
const store = join(mkdtempSync(join(tmpdir(), "medrubric-judge-bench-")), "store.sqlite");
const serve = spawnCommand(process.execPath, [
  ...(profileDir ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : []),
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
]);
// Also when this process fails: servers left behind would skew every later benchmark.
process.on("exit", () => {
  serve.child.kill();
  standin.kill();
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

/** CPU seconds of the server, the stand-in judge and this process (the clients) so far. */
const cpuNow = () => ({ server: cpuSeconds(serve.child.pid), standin: cpuSeconds(standin.pid), bench: cpuSeconds(process.pid) });

/** CPU ms per judge call of each process between two `cpuNow()`s. */
function cpuPerCall(before: ReturnType<typeof cpuNow>, calls: number) {
  const after = cpuNow();
  const per = (key: keyof typeof after) => (1000 * (after[key] - before[key])) / calls;
  return { server: per("server"), standin: per("standin"), bench: per("bench") };
}

async function judgeCalls(): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/medrubric_judge_calls_total\{outcome="ok"\} (\d+)/.exec(text)?.[1] ?? 0);
}

/** `clients` clients sending groups back to back for `seconds`; `repeats` of each group's answers were judged before. */
async function load(clients: number, repeats: number) {
  const latencies: number[] = [];
  const callsBefore = await judgeCalls();
  const cpuBefore = cpuNow();
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
  const calls = (await judgeCalls()) - callsBefore;
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
 * and its slowest answers say how long the loop was held (an idle /healthz takes about 1 ms here).
 */
async function largestRequest() {
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
  times.sort((a, b) => a - b);
  return { max: times.at(-1) as number, p99: times[Math.floor(0.99 * (times.length - 1))] as number };
}

const load0 = loadavg();
const rows: string[] = [];
const cpuCell = (cpu: { server: number; standin: number; bench: number }[]) =>
  `${median(cpu.map((x) => x.server)).toFixed(2)} | ${median(cpu.map((x) => x.standin)).toFixed(2)} / ${median(cpu.map((x) => x.bench)).toFixed(2)}`;
{
  const alone = [];
  for (let r = 0; r < runs; r++) alone.push(await standinAlone());
  const calls = median(alone.map((x) => x.callsPerSecond));
  rows.push(
    `| the stand-in judge alone (${concurrency} calls in flight from this process, no server) | ${calls.toFixed(0)} | ${fullBound.toFixed(0)} | ${((100 * calls) / fullBound).toFixed(0)}% | - | - | ${cpuCell(alone.map((x) => x.cpu))} | 0 |`,
  );
}
for (const s of scenarios) {
  const results = [];
  for (let r = 0; r < runs; r++) results.push(await load(s.clients, s.repeats));
  const calls = median(results.map((x) => x.callsPerSecond));
  const criteria = median(results.map((x) => x.criteriaPerSecond));
  const criteriaBound = s.bound / (1 - s.repeats / ANSWERS);
  rows.push(
    `| ${s.label} | ${calls.toFixed(0)} | ${s.bound.toFixed(0)} | ${((100 * calls) / s.bound).toFixed(0)}% | ${criteria.toFixed(0)} (bound ${criteriaBound.toFixed(0)}) | ` +
      `${median(results.map((x) => x.p50)).toFixed(0)} / ${median(results.map((x) => x.p95)).toFixed(0)} | ${cpuCell(results.map((x) => x.cpu))} | ${results.reduce((n, x) => n + x.failed, 0)} |`,
  );
}
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
    "failed requests",
  ],
  rows,
);
const largest = [];
for (let r = 0; r < runs; r++) largest.push(await largestRequest());
console.log(
  `\nthe largest request --max-judge-work allows (64 answers x 64 criteria) alone: /healthz asked every 2 ms meanwhile took at most ` +
    `${median(largest.map((x) => x.max)).toFixed(1)} ms (p99 ${median(largest.map((x) => x.p99)).toFixed(1)} ms), median of ${runs}`,
);
console.log(
  `\njudge latency ${latencyMs} ms, --judge-concurrency ${concurrency}, ${seconds} s per run; load average ${load0.map((x) => x.toFixed(2)).join(" ")} before, ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")} after`,
);
process.exit(0);
