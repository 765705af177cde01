/** The error budget's arithmetic, with hand-worked numbers: Garwood's interval, the affordable threshold, rho and the estimate. */
import { describe, expect, it } from "vitest";
import { affordable, createErrorBudget, garwood } from "./error-budget.js";

describe("garwood", () => {
  it("gives the exact Poisson 95% interval of the published tables", () => {
    expect(garwood(0)[0]).toBe(0);
    expect(garwood(0)[1]).toBeCloseTo(3.689, 3);
    expect(garwood(1)[0]).toBeCloseTo(0.0253, 4);
    expect(garwood(1)[1]).toBeCloseTo(5.572, 3);
    expect(garwood(10)[0]).toBeCloseTo(4.795, 3);
    expect(garwood(10)[1]).toBeCloseTo(18.39, 2);
  });
});

describe("affordable", () => {
  it("is the largest cost at which deciding every cheaper criterion stays within the per-answer budget on average", () => {
    // Two answers, 0.04 per answer: 0.01 + 0.01 + 0.02 + 0.03 = 0.07 <= 0.08, adding 0.05 would not be.
    expect(
      affordable(
        [
          [0.01, 0.03, 0.05],
          [0.02, 0.01],
        ],
        0.04,
      ),
    ).toBe(0.03);
    expect(affordable([[0.5]], 0.04)).toBe(0);
  });
});

describe("createErrorBudget", () => {
  const decided = Array.from({ length: 4 }, () => ({ q: 0.02, cost: 0.1 }));

  it("estimates rho * the predicted cost per answer, inside its interval, and rho from the audits", () => {
    const budget = createErrorBudget({ budget: 0.01, margin: 1, window: 100 });
    for (let i = 0; i < 100; i++) budget.recordAnswer(decided, decided);
    // 100 audits predicted 2 wrong (q 0.02 each) and found 5: rho = (5 + 1) / (2 + 1) = 2.
    for (let i = 0; i < 100; i++) budget.recordAudit(0.02, i < 5);
    const status = budget.status();
    expect(status.ratio).toBeCloseTo(2, 10);
    expect(status.error_estimate).toBeCloseTo(2 * 4 * 0.02 * 0.1, 10);
    expect(status.error_interval[0]).toBeLessThan(status.error_estimate);
    expect(status.error_interval[1]).toBeGreaterThan(status.error_estimate);
    // Never above every decided criterion wrong: 4 * 0.1 per answer.
    expect(status.error_interval[1]).toBeLessThanOrEqual(0.4);
  });

  it("lowers the threshold when audits find more wrong verdicts than predicted", () => {
    const budget = createErrorBudget({ budget: 0.01, margin: 1, window: 100 });
    const candidates = Array.from({ length: 10 }, (_, i) => ({ q: 0.005 * (i + 1), cost: 0.1 }));
    for (let i = 0; i < 50; i++) budget.recordAnswer([], candidates);
    const before = budget.threshold();
    expect(before).toBeGreaterThan(0);
    for (let i = 0; i < 50; i++) budget.recordAudit(0.01, i % 5 === 0);
    budget.recordAnswer([], candidates);
    expect(budget.threshold()).toBeLessThan(before);
    expect(budget.allows(0.005, 0.1)).toBe(budget.threshold() >= 0.0005);
  });
});
