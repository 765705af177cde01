/**
 * An encoder that reports progress: a large call is split into batches and `report(done,
 * total)` is called before the first (done 0, so a progress bar's clock starts with the work)
 * and as each finishes, so slow encoders (USE-lite: about 20 texts/s per core here) can drive a
 * progress bar. Same id and vectors as the inner encoder, in the same order.
 */
import type { Encoder } from "../core/types.js";

export interface ProgressReportOptions {
  /** Texts per batch; default 32. */
  batchSize?: number;
  /** Batches in flight at once; default 1. More keep an encoder pool's threads all busy. */
  concurrency?: number;
}

export function withProgressReport(
  inner: Encoder,
  report: (done: number, total: number) => void,
  { batchSize = 32, concurrency = 1 }: ProgressReportOptions = {},
): Encoder {
  return {
    id: inner.id,
    dim: inner.dim,
    async embed(texts) {
      if (texts.length === 0) return [];
      const out: Float32Array[] = new Array(texts.length);
      let next = 0;
      let done = 0;
      report(0, texts.length);
      const lane = async () => {
        for (let start = next; start < texts.length; start = next) {
          next += batchSize;
          const vectors = await inner.embed(texts.slice(start, start + batchSize));
          vectors.forEach((vector, i) => {
            out[start + i] = vector;
          });
          done += vectors.length;
          report(done, texts.length);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, Math.ceil(texts.length / batchSize)) }, lane));
      return out;
    },
  };
}
