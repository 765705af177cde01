/**
 * Benchmark for issue 3: judge verdicts per second against the stand-in server (a separate
 * process) at concurrency 64, SQLite writes included, at 0 ms and 50 ms model latency; and a
 * fully cached rerun of 10,000 verdicts, in process and as a whole `medrubric grade` command.
 * Prints a Markdown block for BENCHMARKS.md.
 *
 *   npm run bench:judge [-- --runs 3]
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { HealthBenchExample } from "../src/healthbench/schema.js";
import { type GradeTask, gradeTasks } from "../src/judge/grade-run.js";
import { loadGraderPrompt } from "../src/judge/grader-prompt.js";
import { createRubricJudge } from "../src/judge/rubric-judge.js";
import { createLlmClient } from "../src/llm/openai-client.js";
import { openSqliteStore } from "../src/store/sqlite-store.js";
import { median, numberFlag, printReport } from "./markdown-report.js";

const runs = numberFlag("--runs", 3);
const CONCURRENCY = 64;
const ITEMS_PER_EXAMPLE = 12;

function tasks(verdicts: number): GradeTask[] {
  return Array.from({ length: Math.ceil(verdicts / ITEMS_PER_EXAMPLE) }, (_, e): GradeTask => {
    const example: HealthBenchExample = {
      prompt_id: `bench-${e}`,
      prompt: [
        {
          role: "user",
          content: `Case ${e}: my father (78) has had chest tightness for an hour and feels sweaty. ${"Details. ".repeat(60)}`,
        },
      ],
      rubrics: Array.from({ length: ITEMS_PER_EXAMPLE }, (_, i) => ({
        criterion: `Criterion ${i} for case ${e}: advises calling emergency services.`,
        points: i % 4 === 3 ? -5 : 5,
        tags: ["axis:accuracy"],
      })),
      example_tags: ["theme:emergency_referrals"],
    };
    return { example, completion: [{ role: "assistant", content: `Call emergency services now. ${"Explanation. ".repeat(120)}` }] };
  });
}

async function startServer(latencyMs: number): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ["--import", "tsx", "bench/standin-server.ts", String(latencyMs)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [url] = await createInterface({ input: child.stdout })
    [Symbol.asyncIterator]()
    .next()
    .then((r) => [r.value as string]);
  return { url: url as string, stop: () => child.kill() };
}

async function grade(url: string, work: GradeTask[], storePath: string): Promise<number> {
  const client = createLlmClient({ endpoints: [{ baseUrl: url }], model: "bench-judge", temperature: 0, concurrency: CONCURRENCY });
  const judge = createRubricJudge({ client, prompt: await loadGraderPrompt() });
  const store = openSqliteStore(storePath);
  const run = await store.startRun("bench", {
    kind: "bench",
    config: {},
    dataHash: "",
    judgeModel: judge.model,
    promptVersion: judge.promptVersion,
  });
  const start = performance.now();
  await gradeTasks(work, { judge, store, runId: run.id, concurrency: CONCURRENCY });
  const seconds = (performance.now() - start) / 1000;
  await store.close();
  return seconds;
}

const dir = await mkdtemp(join(tmpdir(), "medrubric-bench-judge-"));
const rows: string[] = [];

for (const [latencyMs, verdicts, bound] of [
  [0, 10_000, undefined],
  [50, 5_000, CONCURRENCY / 0.05],
] as const) {
  const server = await startServer(latencyMs);
  const work = tasks(verdicts);
  const rates: number[] = [];
  for (let r = 0; r < runs; r++)
    rates.push((work.length * ITEMS_PER_EXAMPLE) / (await grade(server.url, work, join(dir, `fresh-${latencyMs}-${r}.sqlite`))));
  server.stop();
  const target =
    bound === undefined ? "target >= 1,000/s" : `${((100 * median(rates)) / bound).toFixed(1)}% of the ${bound}/s bound (target >= 90%)`;
  rows.push(
    `| ${latencyMs} ms latency, concurrency ${CONCURRENCY}, ${work.length * ITEMS_PER_EXAMPLE} verdicts | ${median(rates).toFixed(0)} verdicts/s | ${Math.min(...rates).toFixed(0)}-${Math.max(...rates).toFixed(0)} | ${target} |`,
  );
}

// Fully cached rerun: the store of the first 0 ms run already holds all 10,008 verdicts.
const cachedStore = join(dir, "fresh-0-0.sqlite");
const work = tasks(10_000);
const inProcess: number[] = [];
for (let r = 0; r < runs; r++) inProcess.push(await grade("http://127.0.0.1:9/v1", work, cachedStore));
rows.push(
  `| cached rerun, 10,008 verdicts, in process | ${median(inProcess).toFixed(2)} s | ${Math.min(...inProcess).toFixed(2)}-${Math.max(...inProcess).toFixed(2)} s | ${(median(inProcess) / 2).toFixed(2)} of the 2 s target |`,
);

const data = join(dir, "examples.jsonl");
const responses = join(dir, "responses.jsonl");
await writeFile(data, work.map((t) => JSON.stringify(t.example)).join("\n"));
await writeFile(responses, work.map((t) => JSON.stringify({ prompt_id: t.example.prompt_id, completion: t.completion })).join("\n"));
const cli: number[] = [];
for (let r = 0; r < runs; r++) {
  const start = performance.now();
  const args = [
    "--import",
    "tsx",
    "src/cli/main.ts",
    "grade",
    "--input",
    responses,
    "--examples",
    data,
    "--out",
    join(dir, "graded.jsonl"),
  ];
  const result = spawnSync(process.execPath, [
    ...args,
    "--judge-url",
    "http://127.0.0.1:9/v1",
    "--judge-model",
    "bench-judge",
    "--store",
    cachedStore,
    "--concurrency",
    "64",
  ]);
  if (result.status !== 0) throw new Error(result.stderr.toString());
  cli.push((performance.now() - start) / 1000);
}
rows.push(
  `| cached rerun, 10,008 verdicts, whole \`medrubric grade\` command | ${median(cli).toFixed(2)} s | ${Math.min(...cli).toFixed(2)}-${Math.max(...cli).toFixed(2)} s | ${(median(cli) / 2).toFixed(2)} of the 2 s target |`,
);
await rm(dir, { recursive: true });

printReport(runs, ["what", "median", "range", "against the target"], rows);
