import { describe, expect, it } from "vitest";
import { createRng } from "../core/random.js";
import { dotSparse, fitDenseLogistic, fitSparseLogistic, hashFeature, type LabelledRow, logLoss, rowDot, sigmoid } from "./logistic.js";

describe("logistic regression", () => {
  it("fits sparse rows drawn from a known model: the right signs, a lower loss than no model", () => {
    const random = createRng(3);
    const truth = [1.5, -2, 0, 0.8];
    const rows: LabelledRow[] = Array.from({ length: 4000 }, () => {
      const x = { index: [0, 1, 2, 3], value: truth.map(() => random() * 2 - 1) };
      return { x, y: random() < sigmoid(dotSparse(truth, x)) ? 1 : 0 };
    });
    const [w, strong] = fitSparseLogistic(rows, { dims: 4, l2: [1e-5, 0.5], epochs: 20, learningRate: 0.1, seed: 1 }) as [
      Float64Array,
      Float64Array,
    ];
    expect(w[0]).toBeGreaterThan(1);
    expect(w[1]).toBeLessThan(-1.4);
    expect(Math.abs(w[2] as number)).toBeLessThan(0.3);
    expect(logLoss(w, rows)).toBeLessThan(logLoss(new Float64Array(4), rows) - 0.1);
    // A stronger penalty shrinks the weights; fits run side by side equal fits run alone.
    expect(Math.abs(strong[0] as number)).toBeLessThan(Math.abs(w[0] as number) * 0.8);
    expect(fitSparseLogistic(rows, { dims: 4, l2: [0.5], epochs: 20, learningRate: 0.1, seed: 1 })).toEqual([strong]);
    expect(fitSparseLogistic(rows, { dims: 4, l2: [1e-5], epochs: 2, learningRate: 0.1, seed: 1 })).toEqual(
      fitSparseLogistic(rows, { dims: 4, l2: [1e-5], epochs: 2, learningRate: 0.1, seed: 1 }),
    );
  });

  it("fits a preference kept as two feature vectors (x less minus) as it fits their difference written out", () => {
    const random = createRng(7);
    const vector = () => ({ index: [0, 1, 2, 3], value: [0, 1, 2, 3].map(() => random() * 2 - 1) });
    const pairs = Array.from({ length: 500 }, () => [vector(), vector()] as const);
    const kept: LabelledRow[] = pairs.map(([x, minus]) => ({ x, minus, y: 1 }));
    const written: LabelledRow[] = pairs.map(([x, minus]) => ({
      x: { index: [...x.index, ...minus.index], value: [...x.value, ...minus.value.map((v) => -v)] },
      y: 1,
    }));
    const options = { dims: 4, l2: [1e-4], epochs: 3, learningRate: 0.1, seed: 2 };
    const [w] = fitSparseLogistic(kept, options) as [Float64Array];
    expect(fitSparseLogistic(written, options)).toEqual([w]);
    expect(logLoss(w, kept)).toBe(logLoss(w, written));
    expect(rowDot(w, kept[0] as LabelledRow)).toBeCloseTo(dotSparse(w, (written[0] as LabelledRow).x), 12);
  });

  it("recovers Platt parameters with Newton's method", () => {
    const random = createRng(5);
    const x: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const h = random() * 6 - 3;
      x.push([h, 1]);
      y.push(random() < sigmoid(2 * h - 1) ? 1 : 0);
    }
    const [a, c] = fitDenseLogistic(x, y, undefined, 1e-6);
    expect(a).toBeCloseTo(2, 1);
    expect(c).toBeCloseTo(-1, 1);
  });

  it("hashes a feature name to the same slot, within the buckets", () => {
    expect(hashFeature("+w:emergency", 1 << 16)).toBe(hashFeature("+w:emergency", 1 << 16));
    expect(hashFeature("+w:emergency", 1 << 16)).not.toBe(hashFeature("-w:emergency", 1 << 16));
    for (const key of ["a", "bias", "t:axis:accuracy"]) expect(hashFeature(key, 8)).toBeLessThan(8);
  });
});
