/**
 * Benchmark for issue 7: the reward server under load at concurrency 1, 8 and 64, with one
 * answer, GRPO-style groups of 8, or batches of 64 per request — throughput, p50 and p99 — against
 * in-process scoring of the same model at the same batch size: the mean batch the server formed
 * in that run, read off its /metrics. The load comes from wrk (Debian's `wrk`), a C program, so
 * the load generator takes as little as possible of the 2 cores the server shares with it.
 * At one connection nothing overlaps, so the time each request took beyond the model's own call
 * is the server's overhead per request; it is printed with the floor under it, the round trip of
 * an empty GET /healthz.
 *
 * `--model hash` (the default) serves a model whose encoder costs nothing, so the server's own
 * overhead shows in full; `--model use-lite` serves one over the offline default encoder, as
 * `medrubric serve` runs the models `train` makes (fewer rows and longer runs: it is slow);
 * `--model glove` serves one over GloVe (`--encoder glove`), the fast offline encoder;
 * `--model constant` serves one that answers at once, which shows the server's ceiling.
 *
 *   npm run bench:server [-- --runs 3 --seconds 5 --workers 1 --model hash|use-lite|glove|constant]
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { median, printReport } from "./markdown-report.js";
import { loadInProcess, servedModelName } from "./served-models.js";

const given = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const arg = (name: string, fallback: number) => Number(given(name)) || fallback;
const modelName = servedModelName(given("--model") ?? "hash");
const slow = modelName === "use-lite";
const runs = arg("--runs", 3);
const seconds = arg("--seconds", slow ? 20 : 5);
const workers = arg("--workers", 1);
try {
  execFileSync("wrk", ["--version"], { stdio: "ignore" });
} catch (error) {
  // wrk prints its version and exits 1; only a missing binary throws ENOENT.
  if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new Error("this benchmark needs wrk: apt-get install wrk");
}

const prompt = [
  { role: "user" as const, content: "My 4-year-old has had a fever of 39.5 C for three days and now a rash. What should I do?" },
];
const response =
  "A fever for three days with a new rash needs a doctor today. If she is drowsy, has a rash that does not fade when pressed, or struggles to breathe, call emergency services.";

const child = spawn(process.execPath, ["--import", "tsx", "bench/reward-server.ts", "64", String(workers), modelName], {
  stdio: ["ignore", "pipe", "inherit"],
});
const dir = mkdtempSync(join(tmpdir(), "medrubric-bench-"));
// Also when this process fails: a server left behind would skew every later benchmark.
process.on("exit", () => {
  child.kill();
  rmSync(dir, { recursive: true, force: true });
});
const url = (await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next()).value as string;
const { model, info } = await loadInProcess(modelName);
// Left out for a model that knows no scenarios (the constant one), which would refuse it.
const scenario = info.scenarios.includes("pediatric_consultation") ? "pediatric_consultation" : undefined;

interface WrkResult {
  requests: number;
  seconds: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
}

/** wrk's summary of a run, printed as JSON. */
const SUMMARY_LUA = `done = function(summary, latency)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"seconds":%f,"p50_ms":%f,"p99_ms":%f,"errors":%d}\\n', summary.requests,
    summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    e.connect + e.read + e.write + e.timeout + e.status))
end
`;

function wrk(connections: number, path: string, lua: string): WrkResult {
  const script = join(dir, "run.lua");
  writeFileSync(script, lua + SUMMARY_LUA);
  // A batch of 64 new texts takes seconds with USE-lite: beyond wrk's default 2 s timeout.
  const args = ["-t", "1", "-c", String(connections), "-d", `${seconds}s`, "--timeout", "60s", "-s", script, `${url}${path}`];
  const output = execFileSync("wrk", args, { encoding: "utf8" });
  return JSON.parse(output.slice(output.lastIndexOf("{"))) as WrkResult;
}

/** One wrk run posting requests of `group` answers, every answer new (as in RL, where each rollout is new text). */
function runWrk(connections: number, group: number): WrkResult {
  const [head, tail] = JSON.stringify({ prompt, responses: ["@"], scenario }).split('"@"');
  return wrk(
    connections,
    "/v1/score",
    `wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  local answers = {}
  for i = 1, ${group} do answers[i] = string.format('"%s (%d.%d)"', [==[${response}]==], n, i) end
  return wrk.format(nil, nil, nil, [==[${head}]==] .. table.concat(answers, ",") .. [==[${tail}]==])
end
`,
  );
}

/** Median round trips/s of GET /healthz at one connection. */
const emptyRoundTrips = () => median(Array.from({ length: runs }, () => wrk(1, "/healthz", "")).map((x) => x.requests / x.seconds));

/** The server's batch-size histogram so far (of the worker that answers; they all see alike loads). */
async function batches(): Promise<{ sum: number; count: number }> {
  // A fresh connection each time: a pooled one may have been closed as idle during the wrk run.
  const text = await new Promise<string>((resolve, reject) =>
    get(`${url}/metrics`, { agent: false }, (response) => {
      let body = "";
      response.setEncoding("utf8").on("data", (chunk: string) => {
        body += chunk;
      });
      response.on("end", () => resolve(body));
    }).on("error", reject),
  );
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? 0);
  return { sum: read("medrubric_batch_size_sum"), count: read("medrubric_batch_size_count") };
}

/** In-process answers/s of the same model at `batchSize` answers per call, every answer new too. */
async function inProcessRate(batchSize: number): Promise<number> {
  const start = performance.now();
  let answers = 0;
  while (performance.now() - start < 2000 || answers < 3 * batchSize) {
    await model.score(Array.from({ length: batchSize }, (_, i) => ({ prompt, response: `${response} (${answers}.${i})`, scenario })));
    answers += batchSize;
  }
  return answers / ((performance.now() - start) / 1000);
}

// With several workers a /metrics scrape reaches one of them, so the batch the pool formed (and the
// in-process comparison at that batch) cannot be read; a constant model has no speed to compare with.
const compared = workers === 1 && modelName !== "constant";
const rows: string[] = [];
// At one connection: microseconds each request took beyond the model's call, by answers per request.
const overheads: string[] = [];
const loads: [connections: number, group: number][] = [
  [1, 1],
  [8, 1],
  [64, 1],
  [1, 8],
  [8, 8],
  [64, 8],
  [1, 64],
  [8, 64],
];
for (const [connections, group] of slow ? loads.slice(0, 5) : loads) {
  const results: WrkResult[] = [];
  const meanBatches: number[] = [];
  for (let r = 0; r < runs; r++) {
    const before = await batches();
    results.push(runWrk(connections, group));
    const after = await batches();
    meanBatches.push((after.sum - before.sum) / (after.count - before.count));
  }
  const throughput = group * median(results.map((x) => x.requests / x.seconds));
  const errors = results.reduce((n, x) => n + x.errors, 0);
  const p = (key: "p50_ms" | "p99_ms") => `${median(results.map((x) => x[key])).toFixed(1)} ms`;
  const cells = [connections, group, throughput.toFixed(0), p("p50_ms"), p("p99_ms"), errors];
  if (compared) {
    const batchSize = Math.max(1, Math.round(median(meanBatches)));
    const inProcess: number[] = [];
    for (let r = 0; r < runs; r++) inProcess.push(await inProcessRate(batchSize));
    cells.push(batchSize, median(inProcess).toFixed(0), `${((100 * throughput) / median(inProcess)).toFixed(0)}%`);
    if (connections === 1) overheads.push(`${(1e6 * group * (1 / throughput - 1 / median(inProcess))).toFixed(0)} us (${group})`);
  }
  rows.push(`| ${cells.join(" | ")} |`);
}
const emptyRoundTrip = 1e6 / emptyRoundTrips();
child.kill();
console.log(`Server: ${modelName} model, max batch 64, max wait 0 ms, ${workers} worker(s); load: wrk, 1 thread, ${seconds} s per run`);
printReport(
  runs,
  [
    "connections",
    "answers per request",
    "answers/s",
    "p50",
    "p99",
    "errors",
    ...(compared ? ["mean batch formed", "in-process answers/s at that batch", "server / in-process"] : []),
  ],
  rows,
);
if (compared) {
  console.log("");
  console.log(
    `At 1 connection, time per request beyond the model's call (answers per request): ${overheads.join(", ")}; an empty GET /healthz round trip: ${emptyRoundTrip.toFixed(0)} us`,
  );
}
