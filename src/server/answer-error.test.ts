/** An answer's reward error counted whole, with hand-worked numbers: cancellation, soft credits, the greedy curve and the chosen count. */
import { describe, expect, it } from "vitest";
import { actualError, chosenCount, creditOf, errorCurve } from "./answer-error.js";

describe("creditOf", () => {
  it("is the verdict at or under the hard doubt and P(met) over it", () => {
    expect(creditOf(0.9, 0.1)).toBe(1);
    expect(creditOf(0.05, 0.1)).toBe(0);
    expect(creditOf(0.8, 0.1)).toBe(0.8);
    expect(creditOf(0.8, 0.5)).toBe(1);
  });
});

describe("errorCurve", () => {
  it("is P(wrong) x cost for one hard verdict, and the larger 2 p (1 - p) x cost for one soft credit", () => {
    // 5 points of a positive total of 10, P(met) 0.9: the verdict is wrong 0.1 of the time and costs 0.5.
    expect(errorCurve([{ p: 0.9, points: 5 }], 10, 0.5)[0]?.error).toBeCloseTo(0.05, 12);
    // Soft: credit 4.5 points; off by 0.5 with P 0.9 and by 4.5 with P 0.1, so 0.9 points or 0.09.
    expect(errorCurve([{ p: 0.9, points: 5 }], 10, 0)[0]?.error).toBeCloseTo(0.09, 12);
  });

  it("lets errors of opposite sign cancel: two soft coin flips cost half their sum", () => {
    // T in {0, 1, 2} with P 1/4, 1/2, 1/4 and a credit of 1: E|T - 1| = 1/2 point, over 2 = 0.25 (each alone 0.25).
    const curve = errorCurve(
      [
        { p: 0.5, points: 1 },
        { p: 0.5, points: 1 },
      ],
      2,
      0,
    );
    expect(curve.map((s) => s.error)).toEqual([0.25, 0.25]);
    // E(T - 1)^2 = 1/2 point^2, over 2^2.
    expect(curve[1]?.square).toBeCloseTo(0.125, 12);
    expect(curve[1]?.worst).toBeCloseTo(0.5, 12);
  });

  it("cancels hard verdicts too: a positive and a negative criterion both wrong leave the reward right", () => {
    // +2 and -2 points, both P(met) 0.8 (verdicts met): off by 2 points only when exactly one is wrong (0.32).
    const curve = errorCurve(
      [
        { p: 0.8, points: 2 },
        { p: 0.8, points: -2 },
      ],
      2,
      0.5,
    );
    expect(curve[0]?.error).toBeCloseTo(0.2, 12);
    expect(curve[1]?.error).toBeCloseTo(0.32, 12);
  });

  it("adds first the criterion that raises the error least", () => {
    const curve = errorCurve(
      [
        { p: 0.7, points: 5 },
        { p: 0.99, points: 5 },
        { p: 0.9, points: 1 },
      ],
      10,
      0.5,
    );
    expect(curve.map((s) => s.index)).toEqual([1, 2, 0]);
  });
});

describe("chosenCount", () => {
  const curve = [0.01, 0.03, 0.1].map((error, index) => ({ index, error, square: 0, worst: 0 }));
  it("decides the k maximising k x threshold - err_k, none when no k pays", () => {
    expect(chosenCount(curve, 0.005)).toBe(0);
    // 0.025: gains 0.015, 0.02, -0.025.
    expect(chosenCount(curve, 0.025)).toBe(2);
    // 0.1: gains 0.09, 0.17, 0.2.
    expect(chosenCount(curve, 0.1)).toBe(3);
  });
});

describe("actualError", () => {
  it("is the signed sum's size over the positive total", () => {
    const decided = [
      { points: 4, credit: 1, met: false },
      { points: -2, credit: 1, met: false },
      { points: 2, credit: 0.5, met: true },
    ];
    // 4 (0 - 1) - 2 (0 - 1) + 2 (1 - 0.5) = -4 + 2 + 1 = -1, over 8.
    expect(actualError(decided, 8)).toBeCloseTo(0.125, 12);
  });
});
