/**
 * Benchmark for embedding on every core (issue 24): texts/s of an in-process encoder built as the
 * commands build it (`createEncoder(spec, { threads, onProgress })`, no cache), with one thread
 * and with each thread count asked for, measured back to back in every run on new distinct
 * answer-length texts (~400 characters), after a warm-up that loads the model in every thread.
 * Prints the load average beside the figures: the speed-up is only meaningful on idle cores.
 *
 *   node --import tsx bench/encoder-threads.bench.ts [--encoder use-lite] [--threads 2] [--n 200] [--runs 3]
 */
import { availableParallelism, loadavg } from "node:os";
import type { Encoder } from "../src/core/types.js";
import { createEncoder } from "../src/encoders/encoder-spec.js";
import { answerTexts } from "./answer-texts.js";
import { median, numberFlag, printReport } from "./markdown-report.js";

const encoderSpec = process.argv.includes("--encoder") ? (process.argv[process.argv.indexOf("--encoder") + 1] as string) : "use-lite";
const threads = numberFlag("--threads", availableParallelism());
const N = numberFlag("--n", 200);
const runs = numberFlag("--runs", 3);

async function rate(encoder: Encoder, texts: readonly string[]): Promise<number> {
  const start = performance.now();
  await encoder.embed(texts);
  return texts.length / ((performance.now() - start) / 1000);
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(", ");
const counts = [...new Set([1, threads])];
const encoders = new Map<number, Encoder>();
const startMs = new Map<number, number>();
for (const n of counts) {
  const started = performance.now();
  const encoder = await createEncoder(encoderSpec, { threads: n, onProgress: () => {} });
  // Enough texts that every thread gets a job, loads the model and compiles its kernels.
  await encoder.embed(answerTexts(16 * n, 1000 + n));
  startMs.set(n, performance.now() - started);
  encoders.set(n, encoder);
}

const rates = new Map<number, number[]>(counts.map((n) => [n, []]));
const loads: string[] = [load()];
for (let r = 0; r < runs; r++) {
  // New texts every run and every thread count, so no run is helped by a cache.
  for (const n of counts) rates.get(n)?.push(await rate(encoders.get(n) as Encoder, answerTexts(N, 10 * r + n)));
  loads.push(load());
}

const one = median(rates.get(1) as number[]);
const rows = counts.map((n) => {
  const own = rates.get(n) as number[];
  return `| ${encoderSpec}, --threads ${n}, ${N} texts | ${median(own).toFixed(1)} texts/s | ${Math.min(...own).toFixed(1)}-${Math.max(...own).toFixed(1)} | ${(median(own) / one).toFixed(2)}x | ${((startMs.get(n) as number) / 1000).toFixed(1)} s |`;
});
printReport(runs, ["what", "median", "range", "against --threads 1", "start-up and warm-up"], rows);
console.log("");
console.log(`Load average (1, 5, 15 min) before the runs and after each: ${loads.join(" / ")}`);
