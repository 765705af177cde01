import { describe, expect, it } from "vitest";
import { calibration } from "./calibration.js";

describe("calibration", () => {
  it("is 0 for a model whose p is the share met, and bins by p", () => {
    // Bin 0.2: p = 0.25 four times, one met (rate 0.25); bin 0.9: p = 0.95 twenty times, 19 met (0.95).
    const judged = [
      ...[true, false, false, false].map((met) => ({ met, p: 0.25 })),
      ...Array.from({ length: 20 }, (_, i) => ({ met: i > 0, p: 0.95 })),
    ];
    const c = calibration(judged);
    expect(c.ece).toBeCloseTo(0, 12);
    expect(c.bins[2]).toEqual({ lower: 0.2, n: 4, mean_p: 0.25, met_rate: 0.25 });
    expect(c.bins[9]?.n).toBe(20);
    expect(c.sure_share).toBeCloseTo(20 / 24, 12);
    expect(c.sure_accuracy).toBeCloseTo(19 / 20, 12);
  });

  it("weighs each bin's gap by its share: overconfidence shows", () => {
    // p = 0.99 on 10 criteria of which 5 are met: gap 0.49; p = 0.05 on 10, none met: gap 0.05.
    const judged = [
      ...Array.from({ length: 10 }, (_, i) => ({ met: i < 5, p: 0.99 })),
      ...Array.from({ length: 10 }, () => ({ met: false, p: 0.05 })),
    ];
    const c = calibration(judged);
    expect(c.ece).toBeCloseTo(0.5 * 0.49 + 0.5 * 0.05, 12);
    expect(c.sure_accuracy).toBeCloseTo(15 / 20, 12);
    expect(calibration([]).sure_accuracy).toBeNull();
  });
});
