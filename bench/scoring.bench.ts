/**
 * Benchmark for issue 2: scoring 5,000 examples x 12 rubric items with the per-tag breakdown
 * and 1,000 bootstrap resamples per metric, against the 1 s target. Also times the same run
 * read from a JSONL file through the validating loader, and (issue 15) reading the real 56 MB
 * `graded_hard_responses.jsonl` from disk (read, validate, de-duplicate: `loadGraded`) against
 * JSON.parse of the same lines in the same run. Prints a Markdown block for BENCHMARKS.md.
 *
 *   npm run bench:scoring [-- --runs 7]
 */
import { readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRng } from "../src/core/random.js";
import { loadGraded } from "../src/healthbench/load.js";
import type { GradedExample } from "../src/healthbench/schema.js";
import { scoreGraded } from "../src/healthbench/score-graded.js";
import { writeJsonl } from "../src/io/jsonl.js";
import { HEALTHBENCH_AXES, HEALTHBENCH_THEMES } from "../src/standards/schema.js";
import { sharedHealthBenchFile } from "../test/shared-data.js";
import { median, numberFlag, printReport } from "./markdown-report.js";

const EXAMPLES = 5000;
const ITEMS = 12;
const TARGET_MS = 1000;
const runs = numberFlag("--runs", 7);

const THEMES = HEALTHBENCH_THEMES;
const AXES = HEALTHBENCH_AXES;

/** HealthBench-shaped synthetic rows: 2 example tags, 2-3 tags per item, a third of items negative. */
function syntheticRows(): GradedExample[] {
  const random = createRng(42);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  return Array.from({ length: EXAMPLES }, (_, e) => {
    const rubrics = Array.from({ length: ITEMS }, (_, i) => {
      const cluster = i === 0 && random() < 0.3;
      const tags = cluster
        ? ["level:cluster", `cluster:c${Math.floor(random() * 34)}`, `axis:${pick(AXES)}`]
        : ["level:example", `axis:${pick(AXES)}`];
      const points = (i % 3 === 2 ? -1 : 1) * (1 + Math.floor(random() * 10));
      return { criterion: `criterion ${e}.${i}`, points: i === 1 ? Math.abs(points) : points, tags };
    });
    return {
      prompt_id: `bench-${e}`,
      prompt: [{ role: "user" as const, content: `question ${e}` }],
      example_tags: [`theme:${pick(THEMES)}`, `physician_agreed_category:p${Math.floor(random() * 17)}`],
      rubrics,
      completion: [{ role: "assistant" as const, content: "answer ".repeat(50 + Math.floor(random() * 300)) }],
      verdicts: rubrics.map(() => ({ criteria_met: random() < 0.5, explanation: "" })),
    };
  });
}

async function time(fn: () => unknown | Promise<unknown>): Promise<number[]> {
  await fn(); // warm-up
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return times;
}

const rows = syntheticRows();
const { report } = scoreGraded(rows);
const metrics = 1 + Object.keys(report.by_tag).length;
const inMemory = await time(() => scoreGraded(rows));

const dir = await mkdtemp(join(tmpdir(), "medrubric-bench-"));
const file = join(dir, "graded.jsonl");
await writeJsonl(file, rows);
const fromFile = await time(async () => scoreGraded((await loadGraded(file)).rows));
await rm(dir, { recursive: true });

// The real graded file: the loader from disk, against JSON.parse of its lines (already in memory)
// and against the floor of any reader (read the file, decode, split, JSON.parse), in the same run.
const real = sharedHealthBenchFile("graded_hard_responses.jsonl");
const realMb = statSync(real).size / 1e6;
const realLines = readFileSync(real, "utf8")
  .split("\n")
  .filter((text) => text.trim() !== "");
const parseOnly = await time(() => {
  for (const text of realLines) JSON.parse(text);
});
// A reader keeps its rows: the same parse with the values kept (they then survive into the old
// generation, which costs the garbage collector a copy), the floor of any validating reader.
const parseKept = await time(() => realLines.map((text) => JSON.parse(text) as unknown));
const readAndParse = await time(() => {
  for (const text of readFileSync(real, "utf8").split("\n")) if (text.trim() !== "") JSON.parse(text);
});
const loader = await time(() => loadGraded(real));

const line = (name: string, times: number[]) =>
  `| ${name} | ${median(times).toFixed(0)} ms | ${Math.min(...times).toFixed(0)}-${Math.max(...times).toFixed(0)} ms | ${(median(times) / TARGET_MS).toFixed(2)} |`;
console.log(
  `Workload: ${EXAMPLES} examples x ${ITEMS} items, ${metrics} metrics (overall + tags), 1,000 bootstrap resamples each; after a warm-up`,
);
printReport(
  runs,
  ["what", "median", "range", "median / 1 s target"],
  [line("score + per-tag metrics + bootstrap (in memory)", inMemory), line("the same, read and validated from JSONL", fromFile)],
);
const ratio = (times: number[]) => (median(times) / median(parseOnly)).toFixed(2);
const realLine = (name: string, times: number[]) =>
  `| ${name} | ${median(times).toFixed(0)} ms | ${Math.min(...times).toFixed(0)}-${Math.max(...times).toFixed(0)} ms | ${ratio(times)} |`;
console.log("");
console.log(`Real graded file: graded_hard_responses.jsonl, ${realLines.length.toLocaleString("en")} rows, ${realMb.toFixed(1)} MB`);
console.log("");
console.log("| what | median | range | median / JSON.parse (target <= 2) |");
console.log("|---|---:|---:|---:|");
console.log(realLine("JSON.parse of the lines (in memory)", parseOnly));
console.log(realLine("JSON.parse of the lines, values kept", parseKept));
console.log(realLine("read from disk, split, JSON.parse", readAndParse));
console.log(realLine("`loadGraded`: read, validate, de-duplicate", loader));
