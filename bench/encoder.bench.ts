/**
 * Benchmark for the encoders, side by side in one run on distinct answer-length texts (~400
 * characters): GloVe (`glove`, on GLOVE_N texts, against the 5,000 texts/s target), USE-lite
 * (chunked, as `createEncoder("use-lite")` builds it) and the pair `use-lite+glove` on N texts;
 * USE-lite raw and through the SQLite embedding cache cold (empty store) and warm (the same texts
 * again). Then the cache alone, warm, on 10,000 texts (vectors from a stand-in 512-d encoder: the
 * warm path never calls it), against the 10,000 answers/s target, and GloVe's load time (binary
 * file already converted) and resident memory. Prints a Markdown block for BENCHMARKS.md.
 * JavaScript runs the encoders on one thread, so every figure is one core's.
 *
 *   node --import tsx bench/encoder.bench.ts [--n 200] [--glove-n 20000] [--runs 3]
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Encoder } from "../src/core/types.js";
import { withCache } from "../src/encoders/cached-encoder.js";
import { createEncoder } from "../src/encoders/encoder-spec.js";
import { openSqliteStore } from "../src/store/sqlite-store.js";
import { answerTexts } from "./answer-texts.js";
import { median, numberFlag, printReport } from "./markdown-report.js";

const N = numberFlag("--n", 200);
const GLOVE_N = numberFlag("--glove-n", 20_000);
const GLOVE_TARGET = 5_000;
const runs = numberFlag("--runs", 3);
const WARM_N = 10_000;
const WARM_TARGET = 10_000;

async function rate(encoder: Encoder, texts: readonly string[]): Promise<number> {
  const start = performance.now();
  await encoder.embed(texts);
  return texts.length / ((performance.now() - start) / 1000);
}

const dir = await mkdtemp(join(tmpdir(), "medrubric-bench-encoder-"));
const rows: string[] = [];
const row = (what: string, rates: number[], target = "") =>
  rows.push(
    `| ${what} | ${median(rates).toFixed(1)} texts/s | ${Math.min(...rates).toFixed(1)}-${Math.max(...rates).toFixed(1)} | ${target} |`,
  );

// GloVe's converted vectors in the default folder (.medrubric/), built there on the first run.
const loadStart = performance.now();
const glove = await createEncoder("glove");
await glove.embed(["warm-up: loads the converted word vectors"]);
const gloveLoadMs = performance.now() - loadStart;
const rssAfterGlove = process.memoryUsage().rss;
const useLite = await createEncoder("use-lite");
const pair = await createEncoder("use-lite+glove");
await useLite.embed(["warm-up: loads the model and compiles tfjs's kernels"]);
const gloveRates: number[] = [];
const pairRates: number[] = [];
const raw: number[] = [];
const cold: number[] = [];
const warm: number[] = [];
for (let r = 0; r < runs; r++) {
  // New texts every run, so no run is helped by the one before.
  gloveRates.push(await rate(glove, answerTexts(GLOVE_N, 100 + r)));
  pairRates.push(await rate(pair, answerTexts(N, 200 + r)));
  const texts = answerTexts(N, r);
  raw.push(await rate(useLite, texts));
  const store = openSqliteStore(join(dir, `use-lite-${r}.sqlite`));
  const cached = withCache(useLite, store);
  cold.push(await rate(cached, answerTexts(N, runs + r)));
  warm.push(await rate(cached, answerTexts(N, runs + r)));
  await store.close();
}
row(
  `GloVe (\`glove\`), ${GLOVE_N.toLocaleString("en")} texts of ~400 chars`,
  gloveRates,
  `${(median(gloveRates) / GLOVE_TARGET).toFixed(1)}x the 5,000/s target`,
);
row(`USE-lite + GloVe (\`use-lite+glove\`), ${N} texts, no cache`, pairRates);
row(`USE-lite, ${N} texts of ~400 chars, no cache`, raw);
row(`USE-lite + cache, cold (empty store)`, cold);
row(`USE-lite + cache, warm (second pass)`, warm);

const stub: Encoder = {
  id: "bench-stub",
  dim: 512,
  embed: async (texts) => texts.map(() => new Float32Array(512).fill(1 / Math.sqrt(512))),
};
const store = openSqliteStore(join(dir, "warm.sqlite"));
const cached = withCache(stub, store);
const texts = answerTexts(WARM_N, 99);
await cached.embed(texts);
const cacheOnly: number[] = [];
for (let r = 0; r < runs; r++) cacheOnly.push(await rate(cached, texts));
await store.close();
row(
  `cache alone, warm, ${WARM_N.toLocaleString("en")} texts of ~400 chars, 512-d`,
  cacheOnly,
  `${(median(cacheOnly) / WARM_TARGET).toFixed(1)}x the 10,000/s target`,
);
await rm(dir, { recursive: true });

printReport(runs, ["what", "median", "range", "against the target"], rows);
console.log("");
console.log(
  `GloVe: first embedding ${gloveLoadMs.toFixed(0)} ms after createEncoder (converted file loaded and checked), resident memory then ${(rssAfterGlove / 2 ** 20).toFixed(0)} MiB (before USE-lite loads)`,
);
