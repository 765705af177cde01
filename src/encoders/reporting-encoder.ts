/**
 * Large embedding calls in batches: `embedInBatches` runs up to `concurrency` batches at once (an
 * encoder pool's threads all kept busy) and hands each batch's vectors on as it finishes, which
 * a progress report and the embedding cache (saving as it goes, so a killed run keeps what it
 * embedded) both need. `withProgressReport` is an encoder that reports progress: `report(done,
 * total)` before the first batch (done 0, so a progress bar's clock starts with the work) and as
 * each finishes, so slow encoders (USE-lite: about 20 texts/s per core here) can drive a
 * progress bar. Same id and vectors as the inner encoder, in the same order.
 */
import type { Encoder } from "../core/types.js";

export interface BatchingOptions {
  /** Texts per batch; default 32. */
  batchSize?: number;
  /** Batches in flight at once; default 1. */
  concurrency?: number;
}

/** The inner encoder's vectors of `texts`, in order; `onBatch(start, vectors)` as each batch (from index `start`) finishes, awaited before the lane goes on. */
export async function embedInBatches(
  inner: Encoder,
  texts: readonly string[],
  { batchSize = 32, concurrency = 1 }: BatchingOptions,
  onBatch: (start: number, vectors: readonly Float32Array[]) => void | Promise<void>,
): Promise<Float32Array[]> {
  const out: Float32Array[] = new Array(texts.length);
  let next = 0;
  // After a failure the call has failed: no lane starts another batch, nor hands one on (the caller may have closed the store).
  let failed = false;
  const lane = async () => {
    for (let start = next; start < texts.length && !failed; start = next) {
      next += batchSize;
      try {
        const vectors = await inner.embed(texts.slice(start, start + batchSize));
        if (failed) return;
        vectors.forEach((vector, i) => {
          out[start + i] = vector;
        });
        await onBatch(start, vectors);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.ceil(texts.length / batchSize)) }, lane));
  return out;
}

export function withProgressReport(inner: Encoder, report: (done: number, total: number) => void, options: BatchingOptions = {}): Encoder {
  return {
    id: inner.id,
    dim: inner.dim,
    async embed(texts) {
      if (texts.length === 0) return [];
      let done = 0;
      report(0, texts.length);
      return embedInBatches(inner, texts, options, (_, vectors) => {
        done += vectors.length;
        report(done, texts.length);
      });
    },
  };
}
