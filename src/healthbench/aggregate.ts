/**
 * Aggregation over examples, as HealthBench reports it: the mean clipped to [0, 1], the
 * standard deviation of 1,000 bootstrap means (each clipped; population std, like numpy's
 * default), and n. Seeded, so a rerun prints the same numbers.
 */
import { createRng } from "../core/random.js";
import type { ExampleMetrics } from "./scoring.js";

export interface ClippedStat {
  /** Null when n is 0: no example to average (never NaN, which JSON would write as null anyway). */
  score: number | null;
  bootstrap_std: number;
  n: number;
}

export interface AggregateOptions {
  resamples?: number;
  seed?: number;
}

export interface Aggregate {
  overall: ClippedStat;
  by_tag: Record<string, ClippedStat>;
}

export const DEFAULT_RESAMPLES = 1000;
export const DEFAULT_SEED = 0;

const clip01 = (x: number): number => Math.min(1, Math.max(0, x));

export function clippedMean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] as number;
  return clip01(sum / values.length);
}

export function bootstrapStd(values: ArrayLike<number>, options: AggregateOptions = {}): number {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const n = values.length;
  if (n === 0 || resamples === 0) return 0;
  const data = Float64Array.from(values);
  const random = createRng(options.seed ?? DEFAULT_SEED);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += data[(random() * n) | 0] as number;
    means[r] = clip01(sum / n);
  }
  return populationStd(means);
}

function populationStd(values: Float64Array): number {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) * (v - mean);
  return Math.sqrt(squares / values.length);
}

export function clippedStat(values: ArrayLike<number>, options: AggregateOptions = {}): ClippedStat {
  const score = values.length === 0 ? null : clippedMean(values);
  return { score, bootstrap_std: bootstrapStd(values, options), n: values.length };
}

/** Aggregates per-example metrics: `overall_score` becomes `overall`, every other key a tag. */
export function aggregateMetrics(perExample: readonly ExampleMetrics[], options: AggregateOptions = {}): Aggregate {
  const columns = new Map<string, number[]>();
  for (const metrics of perExample) {
    for (const [key, value] of Object.entries(metrics)) {
      let column = columns.get(key);
      if (!column) {
        column = [];
        columns.set(key, column);
      }
      column.push(value);
    }
  }
  const by_tag: Record<string, ClippedStat> = {};
  for (const key of [...columns.keys()].sort()) {
    if (key !== "overall_score") by_tag[key] = clippedStat(columns.get(key) as number[], options);
  }
  return { overall: clippedStat(columns.get("overall_score") ?? [], options), by_tag };
}
