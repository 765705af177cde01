/**
 * Two encoders side by side (`A+B` on the command line, e.g. `use-lite+glove`): each part's vector
 * is normalised, the two are concatenated and the whole is renormalised, so each part carries
 * half the squared length and a cosine of the pair is the mean of the parts' cosines. The id
 * names both parts, so a model trained on the pair refuses either alone.
 */
import type { Encoder } from "../core/types.js";
import { unitVector } from "./unit-vector.js";

export function concatEncoderId(a: string, b: string): string {
  return `(${a})+(${b})`;
}

export function createConcatEncoder(a: Encoder, b: Encoder): Encoder {
  return {
    id: concatEncoderId(a.id, b.id),
    dim: a.dim + b.dim,
    async embed(texts) {
      const [left, right] = await Promise.all([a.embed(texts), b.embed(texts)]);
      return left.map((vector, i) => {
        const out = new Float32Array(a.dim + b.dim);
        out.set(unitVector(vector));
        out.set(unitVector(right[i] as Float32Array), a.dim);
        for (let d = 0; d < out.length; d++) out[d] = (out[d] as number) * Math.SQRT1_2;
        return out;
      });
    },
  };
}
