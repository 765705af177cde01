/** The error budget's arithmetic, with hand-worked numbers: rho from audited answers, the estimate and its interval, the threshold. */
import { describe, expect, it } from "vitest";
import type { CurveStep } from "./answer-error.js";
import { createErrorBudget } from "./error-budget.js";

const curveOf = (errors: readonly number[]): CurveStep[] =>
  errors.map((error, index) => ({ index, error, square: error / 10, worst: 0.3 }));

describe("createErrorBudget", () => {
  it("estimates rho * the predicted error per answer not audited, inside its interval, and rho from the audited answers", () => {
    const budget = createErrorBudget({ budget: 0.01, margin: 1, window: 100, horizon: 0 });
    for (let i = 0; i < 100; i++) budget.recordAnswer(curveOf([0.01]), 1, false);
    // 50 audited answers predicted 0.01 each and were off by 0.02: rho = (1 + 0.1) / (0.5 + 0.1), the prior 10 E = 0.1.
    for (let i = 0; i < 50; i++) budget.recordAudit(0.01, 0.02);
    const status = budget.status();
    expect(status.ratio).toBeCloseTo(1.1 / 0.6, 10);
    expect(status.audits).toBe(50);
    expect(status.error_estimate).toBeCloseTo((1.1 / 0.6) * 0.01, 10);
    expect(status.error_interval[0]).toBeLessThan(status.error_estimate);
    expect(status.error_interval[1]).toBeGreaterThan(status.error_estimate);
    // Never above what the decided criteria could cost at worst: 0.3 per answer.
    expect(status.error_interval[1]).toBeLessThanOrEqual(0.3);
  });

  it("counts an audited answer's error as none: its reward is the judge's", () => {
    const budget = createErrorBudget({ budget: 0.01, margin: 1, window: 100, horizon: 0 });
    budget.recordAnswer(curveOf([0.02]), 1, true);
    budget.recordAnswer(curveOf([0.02]), 1, false);
    expect(budget.status().error_estimate).toBeCloseTo(0.01, 12);
  });

  it("sets the threshold where the window's answers cost the budget on average, and lowers it when audits find more error", () => {
    const budget = createErrorBudget({ budget: 0.01, margin: 1, window: 100, horizon: 0 });
    // Each answer: deciding k of its criteria costs 0.002 k^2; at threshold t it decides the k maximising k t - 0.002 k^2.
    const curve = curveOf(Array.from({ length: 6 }, (_, i) => 0.002 * (i + 1) ** 2));
    for (let i = 0; i < 50; i++) budget.recordAnswer(curve, 0, false);
    // k = 2 costs 0.008 <= 0.01 and k = 3 costs 0.018: the threshold is the largest t where k = 2 wins, t < 0.01 (2 t - 0.008 >= 3 t - 0.018).
    expect(budget.threshold()).toBeCloseTo(0.01, 6);
    expect(budget.choose(curve)).toBe(2);
    for (let i = 0; i < 50; i++) budget.recordAudit(0.01, 0.03);
    budget.recordAnswer(curve, 0, false);
    // rho = (1.5 + 0.1) / (0.5 + 0.1): a budget of 0.00375 per answer affords k = 1 only (0.002).
    expect(budget.threshold()).toBeLessThan(0.006 + 1e-9);
    expect(budget.choose(curve)).toBe(1);
  });

  it("with a horizon, leaves what early answers could not spend to later ones, and pays an overrun back", () => {
    const curve = curveOf(Array.from({ length: 6 }, (_, i) => 0.002 * (i + 1) ** 2));
    const banked = createErrorBudget({ budget: 0.01, margin: 1, window: 100, horizon: 100 });
    // 100 answers with nothing to decide: their 0.01 each is left to the next 100, up to twice the share (0.02).
    for (let i = 0; i < 100; i++) banked.recordAnswer([], 0, false);
    banked.recordAnswer(curve, 0, false);
    // At 0.02 per answer k = 3 (0.018) is affordable, k = 4 (0.032) is not.
    expect(banked.choose(curve)).toBe(3);
    const overrun = createErrorBudget({ budget: 0.01, margin: 1, window: 100, horizon: 100 });
    // 50 answers that cost 0.018 each (an overrun of 0.4), paid back over the next 100: 0.006 each affords k = 1 only,
    // where without a horizon 0.01 affords k = 2.
    for (let i = 0; i < 50; i++) overrun.recordAnswer(curve, 3, false);
    expect(overrun.choose(curve)).toBe(1);
  });
});
