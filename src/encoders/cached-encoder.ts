/**
 * A content-addressed embedding cache in the store: a text is embedded once per encoder,
 * ever. The key is the hash of the encoder's id and the text, so a different model, weights or
 * chunking never reuses a vector, and the vectors are the inner encoder's own, so the id stays.
 * Texts missing from the cache are embedded in batches, each saved as it finishes: a run killed
 * after half an hour of embedding keeps that half hour, and the next run embeds only the rest.
 */
import { hashJson } from "../core/hash.js";
import type { Encoder } from "../core/types.js";
import type { EmbeddingCache } from "../store/store.js";
import { type BatchingOptions, embedInBatches } from "./reporting-encoder.js";

export interface CacheOptions extends BatchingOptions {
  /** Told `(done, total)` of the texts missing from the cache: 0 before the first batch, then as each is saved. */
  onProgress?: (done: number, total: number) => void;
}

export function withCache(inner: Encoder, store: EmbeddingCache, { onProgress, ...batching }: CacheOptions = {}): Encoder {
  return {
    id: inner.id,
    dim: inner.dim,
    async embed(texts) {
      const keys = texts.map((text) => hashJson([inner.id, text]));
      const found = await store.cachedEmbeddings(keys);
      const missing = new Map<string, string>();
      keys.forEach((key, i) => {
        if (!found.has(key)) missing.set(key, texts[i] as string);
      });
      if (missing.size > 0) {
        const missingKeys = [...missing.keys()];
        let done = 0;
        onProgress?.(0, missing.size);
        await embedInBatches(inner, [...missing.values()], batching, async (start, vectors) => {
          const entries = vectors.map((vector, i) => ({ key: missingKeys[start + i] as string, vector }));
          await store.saveEmbeddings(inner.id, entries);
          for (const { key, vector } of entries) found.set(key, vector);
          done += vectors.length;
          onProgress?.(done, missing.size);
        });
      }
      // A text given twice gets its own copy the second time, so no caller can change another's vector.
      const given = new Set<string>();
      return keys.map((key) => {
        const vector = found.get(key) as Float32Array;
        if (given.has(key)) return vector.slice();
        given.add(key);
        return vector;
      });
    },
  };
}
