/** The error budget's arithmetic, with hand-worked numbers: rho from audited answers, the estimate and its interval, the threshold. */
import { describe, expect, it } from "vitest";
import type { CurveStep } from "./answer-error.js";
import { createErrorBudget } from "./error-budget.js";

const curveOf = (errors: readonly number[]): CurveStep[] =>
  errors.map((error, index) => ({ index, error, square: error / 10, worst: 0.3 }));

describe("createErrorBudget", () => {
  it("estimates rho * the predicted error per answer not audited, inside its interval, and rho from the audited answers", () => {
    const budget = createErrorBudget({ budget: 0.01, margin: 1, window: 100, horizon: 0, caution: 0, ratioSeScale: 1 });
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
    const budget = createErrorBudget({ budget: 0.01, margin: 1, window: 100, horizon: 0, caution: 0, ratioSeScale: 1 });
    budget.recordAnswer(curveOf([0.02]), 1, true);
    budget.recordAnswer(curveOf([0.02]), 1, false);
    expect(budget.status().error_estimate).toBeCloseTo(0.01, 12);
  });

  it("sets the threshold where the window's answers cost the budget on average, and lowers it when audits find more error", () => {
    const budget = createErrorBudget({ budget: 0.01, margin: 1, window: 100, horizon: 0, caution: 0, ratioSeScale: 1 });
    // Each answer: deciding k of its criteria costs 0.002 k^2; at threshold t it decides the k maximising k t - 0.002 k^2.
    const curve = curveOf(Array.from({ length: 6 }, (_, i) => 0.002 * (i + 1) ** 2));
    for (let i = 0; i < 50; i++) budget.recordAnswer(curve, 0, false);
    // k = 2 costs 0.008 <= 0.01 and k = 3 costs 0.018: the threshold is the largest t where k = 2 wins, t < 0.01 (2 t - 0.008 >= 3 t - 0.018).
    expect(budget.threshold()).toBeCloseTo(0.01, 6);
    expect(budget.choose(curve)).toBe(2);
    for (let i = 0; i < 50; i++) budget.recordAudit(0.01, 0.03);
    budget.recordAnswer(curve, 0, false);
    // rho = (1.5 + 0.1) / (0.5 + 0.1): a budget of 0.00375 per answer affords k = 1 only (0.002); the threshold
    // counts true error, rho x the predicted.
    expect(budget.threshold()).toBeLessThan((1.6 / 0.6) * 0.006 + 1e-9);
    expect(budget.choose(curve)).toBe(1);
  });

  it("with a horizon, leaves what early answers could not spend to later ones, and pays an overrun back", () => {
    const curve = curveOf(Array.from({ length: 6 }, (_, i) => 0.002 * (i + 1) ** 2));
    const banked = createErrorBudget({ budget: 0.01, margin: 1, window: 100, horizon: 100, caution: 0, ratioSeScale: 1 });
    // 100 answers with nothing to decide: their 0.01 each is left to the next 100, up to twice the share (0.02).
    for (let i = 0; i < 100; i++) banked.recordAnswer([], 0, false);
    banked.recordAnswer(curve, 0, false);
    // At 0.02 per answer k = 3 (0.018) is affordable, k = 4 (0.032) is not.
    expect(banked.choose(curve)).toBe(3);
    const overrun = createErrorBudget({ budget: 0.01, margin: 1, window: 100, horizon: 100, caution: 0, ratioSeScale: 1 });
    // 50 answers that cost 0.018 each (an overrun of 0.4), paid back over the next 100: 0.006 each affords k = 1 only,
    // where without a horizon 0.01 affords k = 2.
    for (let i = 0; i < 50; i++) overrun.recordAnswer(curve, 3, false);
    expect(overrun.choose(curve)).toBe(1);
  });
  it("with caution, aims with rho + caution x its standard error while the audits are noisy; the estimate keeps rho itself", () => {
    const curve = curveOf(Array.from({ length: 6 }, (_, i) => 0.002 * (i + 1) ** 2));
    const run = (caution: number) => {
      const budget = createErrorBudget({ budget: 0.01, margin: 1, window: 100, horizon: 0, caution, ratioSeScale: 1 });
      // 20 audits predicted 0.01 each, half found no error and half 0.02: rho = (0.2 + 0.1) / (0.2 + 0.1) = 1, noisy.
      for (let i = 0; i < 20; i++) budget.recordAudit(0.01, i % 2 === 0 ? 0 : 0.02);
      for (let i = 0; i < 50; i++) budget.recordAnswer(curve, 0, false);
      return budget;
    };
    const [bold, careful] = [run(0), run(2)];
    // rho's standard error: sqrt(20 x 0.01^2) / 0.3 = 0.149; aiming with rho 1.298 affords 0.0077 per answer: k = 1 (0.002), not 2 (0.008).
    expect(bold.choose(curve)).toBe(2);
    expect(careful.choose(curve)).toBe(1);
    expect(careful.threshold()).toBeLessThan(bold.threshold());
    expect(careful.status().ratio).toBeCloseTo(1, 12);
    expect(careful.status().error_interval).toEqual(bold.status().error_interval);
  });

  it("widens the interval's ratio part by ratioSeScale, around the same estimate", () => {
    const run = (ratioSeScale: number) => {
      const budget = createErrorBudget({ budget: 0.01, margin: 1, window: 100, horizon: 0, caution: 0, ratioSeScale });
      for (let i = 0; i < 100; i++) budget.recordAnswer(curveOf([0.01]), 1, false);
      for (let i = 0; i < 20; i++) budget.recordAudit(0.01, i % 2 === 0 ? 0 : 0.02);
      return budget.status();
    };
    const [narrow, wide] = [run(1), run(2)];
    expect(wide.error_estimate).toBeCloseTo(narrow.error_estimate, 12);
    // Half-widths: 1.96 sqrt((0.01 x 0.149 s)^2 + 0.001 / 100^2) for s = 1 and 2 (the errors' own spread: square = error / 10).
    const half = (s: number) => 1.96 * Math.sqrt((0.01 * 0.149071 * s) ** 2 + (1 * 0.001 * 100) / 100 ** 2);
    expect(narrow.error_interval[1] - narrow.error_estimate).toBeCloseTo(half(1), 6);
    expect(wide.error_interval[1] - wide.error_estimate).toBeCloseTo(half(2), 6);
  });
  it("measures rho apart for answers the model alone decided, and tightens those only", () => {
    const curve = curveOf(Array.from({ length: 6 }, (_, i) => 0.002 * (i + 1) ** 2));
    const budget = createErrorBudget({ budget: 0.01, margin: 1, window: 100, horizon: 0, caution: 0, ratioSeScale: 1 });
    // The memory's answers err as predicted, the model alone's 3x: rho = 1 and (1.5 + 0.1) / (0.5 + 0.1).
    for (let i = 0; i < 50; i++) {
      budget.recordAudit(0.01, 0.01, 0);
      budget.recordAudit(0.01, 0.03, 1);
    }
    for (let i = 0; i < 50; i++) {
      budget.recordAnswer(curve, 2, false, 0);
      budget.recordAnswer(curve, 1, false, 1);
    }
    // Half the window at rho 1 and half at rho 2.67, 0.01 per answer on average: the memory's answers decide 2
    // (0.008), the model alone's 1 (2.67 x 0.002 = 0.0053): 0.0067 on average, where 3 and 2 would cost 0.0303.
    expect(budget.choose(curve, 0)).toBe(2);
    expect(budget.choose(curve, 1)).toBe(1);
    // The estimate: each kind's rho times its predicted error, per answer.
    expect(budget.status().error_estimate).toBeCloseTo((50 * 0.008 + (1.6 / 0.6) * 50 * 0.002) / 100, 12);
  });
  it("with a horizon, never aims below a quarter of the share: an overspend does not stop it deciding, and so being audited", () => {
    const curve = curveOf(Array.from({ length: 6 }, (_, i) => 0.002 * (i + 1) ** 2));
    const budget = createErrorBudget({ budget: 0.01, margin: 1, window: 100, horizon: 100, caution: 0, ratioSeScale: 1 });
    // 100 answers that spent 0.032 each (3.2 in all; audits found rho = 1), where 101 answers and a horizon of 100 allow
    // 2.01: paying the overrun back would leave nothing per answer, nothing decided, nothing audited, rho never surer.
    for (let i = 0; i < 100; i++) budget.recordAnswer(curve, 4, false);
    for (let i = 0; i < 10; i++) budget.recordAudit(0.032, 0.032);
    budget.recordAnswer(curve, 0, false);
    // A quarter of the share, 0.0025 per answer, buys one criterion (0.002), not two (0.008).
    expect(budget.choose(curve)).toBe(1);
  });
});
