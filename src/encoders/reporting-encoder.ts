/**
 * An encoder that reports progress: a large call is split into batches and `report(done,
 * total)` is called before the first (done 0, so a progress bar's clock starts with the work)
 * and after each, so slow encoders (USE-lite: about 20 texts/s here) can drive a progress bar.
 * Same id and vectors as the inner encoder.
 */
import type { Encoder } from "../core/types.js";

export function withProgressReport(inner: Encoder, report: (done: number, total: number) => void, batchSize = 32): Encoder {
  return {
    id: inner.id,
    dim: inner.dim,
    async embed(texts) {
      const out: Float32Array[] = [];
      if (texts.length > 0) report(0, texts.length);
      for (let start = 0; start < texts.length; start += batchSize) {
        out.push(...(await inner.embed(texts.slice(start, start + batchSize))));
        report(out.length, texts.length);
      }
      return out;
    },
  };
}
