/**
 * The contract every Encoder implementation passes (run from each implementation's test file under src/):
 * unit vectors of the declared length, one per text and in order, the same text always giving
 * the same vector whatever batch it comes in, and any text embeddable, the empty one included.
 */
import { describe, expect, it } from "vitest";
import type { Encoder } from "../src/core/types.js";

const TEXTS = [
  "Call emergency services now: chest pain with sweating can be a heart attack.",
  "Ibuprofen with warfarin raises the risk of bleeding; ask your clinician first.",
  "A fever of 38.5 C in a 3-month-old needs a doctor today.",
  "Drink fluids and rest; most colds clear within ten days.",
  "Keep button batteries out of children's reach.",
];

/** Sentences that differ, so a chunking encoder sees real text in every chunk. */
const LONG_TEXT = Array.from({ length: 200 }, (_, i) => `Note ${i}: the patient reports symptom ${i % 7} on day ${i}. `)
  .join("")
  .slice(0, 10_000);

export function describeEncoderContract(name: string, make: () => Promise<Encoder>): void {
  describe(`Encoder contract: ${name}`, () => {
    it("has an id and a positive dimension, and gives unit vectors of that length", async () => {
      const encoder = await make();
      expect(encoder.id).toMatch(/\S/);
      expect(Number.isInteger(encoder.dim) && encoder.dim > 0).toBe(true);
      const vectors = await encoder.embed(TEXTS);
      expect(vectors).toHaveLength(TEXTS.length);
      for (const vector of vectors) expectUnit(vector, encoder.dim);
    });

    it("keeps the order of a batch, and gives a text the same vector alone and in a batch", async () => {
      const encoder = await make();
      const batch = await encoder.embed(TEXTS);
      for (const [i, text] of TEXTS.entries()) {
        const [alone] = await encoder.embed([text]);
        expect(maxDifference(alone as Float32Array, batch[i] as Float32Array)).toBeLessThan(1e-6);
      }
      const [again] = await encoder.embed([TEXTS[2] as string, TEXTS[0] as string]);
      expect(maxDifference(again as Float32Array, batch[2] as Float32Array)).toBeLessThan(1e-6);
    });

    it("gives different texts different vectors", async () => {
      const [a, b] = await (await make()).embed([TEXTS[0] as string, TEXTS[3] as string]);
      expect(maxDifference(a as Float32Array, b as Float32Array)).toBeGreaterThan(1e-3);
    });

    it("gives an empty batch an empty answer", async () => {
      expect(await (await make()).embed([])).toEqual([]);
    });

    it("embeds an empty string and a 10,000-character text", async () => {
      const encoder = await make();
      const vectors = await encoder.embed(["", LONG_TEXT]);
      expect(vectors).toHaveLength(2);
      for (const vector of vectors) expectUnit(vector, encoder.dim);
      const [alone] = await encoder.embed([""]);
      expect(maxDifference(alone as Float32Array, vectors[0] as Float32Array)).toBeLessThan(1e-6);
    });
  });
}

function expectUnit(vector: Float32Array, dim: number): void {
  expect(vector).toBeInstanceOf(Float32Array);
  expect(vector).toHaveLength(dim);
  expect(Math.abs(Math.hypot(...vector) - 1)).toBeLessThan(1e-4);
}

export function maxDifference(a: Float32Array, b: Float32Array): number {
  expect(a).toHaveLength(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}
