/** The hybrid's calibration: fitted on verdicts whose agreement rates are known, it predicts those rates. */
import { describe, expect, it } from "vitest";
import { createRng } from "../core/random.js";
import { type Evidence, fitCalibration, INITIAL_PARAMS, type Observation, predictMet } from "./hybrid-calibration.js";

/** Criteria all of whose `count` earlier verdicts were "met": the next is met with probability `rate`. */
function agreeing(count: number, rate: number, n: number, random: () => number): Observation[] {
  return Array.from({ length: n }, () => ({
    pModel: null,
    positive: true,
    met: count,
    weight: count,
    count,
    y: random() < rate,
    importance: 1,
  }));
}

describe("fitCalibration", () => {
  it("recovers how often the next verdict agrees after 2 and after 8 agreeing ones, and the base rate with none", async () => {
    const random = createRng(7);
    const observations = [
      ...agreeing(2, 0.87, 3000, random),
      ...agreeing(8, 0.97, 3000, random),
      ...Array.from({ length: 3000 }, () => ({
        pModel: null,
        positive: true,
        met: 0,
        weight: 0,
        count: 0,
        y: random() < 0.4,
        importance: 1,
      })),
    ];
    const params = await fitCalibration(observations);
    const at = (e: Evidence) => predictMet(params, e);
    expect(at({ pModel: null, positive: true, met: 2, weight: 2, count: 2 })).toBeCloseTo(0.87, 1);
    expect(at({ pModel: null, positive: true, met: 8, weight: 8, count: 8 })).toBeGreaterThan(0.955);
    expect(at({ pModel: null, positive: true, met: 8, weight: 8, count: 8 })).toBeLessThan(0.98);
    expect(at({ pModel: null, positive: true, met: 0, weight: 0, count: 0 })).toBeCloseTo(0.4, 1);
  });

  it("learns how far to trust the model: an overconfident P(met) is pulled in", async () => {
    const random = createRng(3);
    // The model says 0.99 or 0.01 where the truth is 0.8 / 0.2.
    const observations = Array.from({ length: 6000 }, (_, i) => {
      const high = i % 2 === 0;
      return { pModel: high ? 0.99 : 0.01, positive: true, met: 0, weight: 0, count: 0, y: random() < (high ? 0.8 : 0.2), importance: 1 };
    });
    const params = await fitCalibration(observations);
    expect(predictMet(params, { pModel: 0.99, positive: true, met: 0, weight: 0, count: 0 })).toBeCloseTo(0.8, 1);
    expect(predictMet(INITIAL_PARAMS, { pModel: 0.99, positive: true, met: 0, weight: 0, count: 0 })).toBeCloseTo(0.99, 2);
  });
});
