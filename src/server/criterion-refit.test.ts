/** The criterion head's per-criterion refit: toward what the verdicts say, held to the trained head by the ridge. */
import { describe, expect, it } from "vitest";
import { fitCriterionHeads, refittedP } from "./criterion-refit.js";
import { clampedLogit } from "./hybrid-calibration.js";

const rows = (key: string, p: number, met: number, of: number) =>
  Array.from({ length: of }, (_, i) => ({ key, logit: clampedLogit(p), y: i < met, importance: 1 }));

describe("fitCriterionHeads", () => {
  it("raises a criterion the head under-rates and lowers one it over-rates, and leaves unseen criteria as trained", () => {
    const heads = fitCriterionHeads([...rows("under", 0.3, 19, 20), ...rows("over", 0.8, 2, 20)], 1);
    expect(refittedP(heads, "under", 0.3)).toBeGreaterThan(0.8);
    expect(refittedP(heads, "over", 0.8)).toBeLessThan(0.3);
    expect(refittedP(heads, "unseen", 0.3)).toBe(0.3);
  });

  it("matches the verdicts' rate where the head says the same for every answer and the ridge is weak", () => {
    // With one logit value, only a logit + b is identified: the fit puts P at 15 of 20 (shrunk a hair by the ridge).
    const heads = fitCriterionHeads(rows("k", 0.5, 15, 20), 1e-6);
    expect(refittedP(heads, "k", 0.5)).toBeCloseTo(0.75, 3);
  });

  it("stays at the trained head under a strong ridge", () => {
    const heads = fitCriterionHeads(rows("k", 0.3, 20, 20), 1e9);
    expect(refittedP(heads, "k", 0.3)).toBeCloseTo(0.3, 6);
  });

  it("keeps the head's ranking of answers where the verdicts follow it", () => {
    // Met where the head said 0.7, not met where it said 0.4: the slope grows.
    const heads = fitCriterionHeads(
      [
        ...Array.from({ length: 10 }, () => ({ key: "k", logit: clampedLogit(0.7), y: true, importance: 1 })),
        ...Array.from({ length: 10 }, () => ({ key: "k", logit: clampedLogit(0.4), y: false, importance: 1 })),
      ],
      1,
    );
    expect(heads.get("k")?.[0]).toBeGreaterThan(1);
    expect(refittedP(heads, "k", 0.7)).toBeGreaterThan(0.8);
    expect(refittedP(heads, "k", 0.4)).toBeLessThan(0.2);
  });
});
