/**
 * The hybrid's error budget (`serve --error-budget E`): how many of an answer's criteria the server
 * may decide without the judge, how wrong its rewards are estimated to be, and the audits that keep
 * that estimate honest.
 *
 * An answer's error is counted whole (answer-error.ts): the expected |reward error| err_k of
 * deciding its k best candidates, exact under independence, where errors of opposite sign cancel.
 * With `threshold` the expected error accepted per judge call saved, the answer decides the k
 * maximising k * threshold - err_k. The threshold is set, after each answer with candidates, to the
 * largest value at which the last `window` answers would have cost `margin * E / rho` each on
 * average: the candidates' confidence grows as the memory fills, and the threshold follows without
 * a controller's lag.
 *
 * Audits are of whole answers: with probability `auditRate` an answer's decided criteria all go
 * to the judge anyway, so its true error is seen (what its reward would have been off by), and
 * with it what no per-criterion audit shows: whether the criteria of one answer err together. rho
 * is the audited answers' true error over their predicted error, (A + P0) / (P + P0) with P0 =
 * 10 E (a prior worth about one wrong verdict, so one surprise early does not halt everything). The
 * estimated mean |reward error| per answer is rho * (the predicted errors of the answers not
 * audited) / answers (an audited answer's reward is the judge's); its 95% interval combines the
 * ratio's standard error (delta method over the audited answers) with the spread of the errors
 * themselves, and never exceeds what the decided criteria could cost at worst.
 */
import { type CurveStep, chosenCount } from "./answer-error.js";

export interface ErrorBudgetOptions {
  /** E: the mean |reward error| per answer accepted. */
  budget: number;
  /** The threshold aims at margin * E. */
  margin: number;
  /** Answers the threshold is solved over. */
  window: number;
  /**
   * Answers over which the running estimate is brought back to margin * E (0: each window aims at
   * margin * E alone): answers that could not spend their share (the first, before any verdict)
   * leave it to later ones, and an overrun found by the audits is paid back; never more than twice
   * the share per answer.
   */
  horizon: number;
}

export interface BudgetStatus {
  /** The expected reward error accepted per judge call saved. */
  threshold: number;
  /** Audited answers' true error over their predicted error. */
  ratio: number;
  /** Answers audited. */
  audits: number;
  answers: number;
  error_estimate: number;
  error_interval: [number, number];
}

export function createErrorBudget(options: ErrorBudgetOptions) {
  const { budget, margin, window, horizon } = options;
  const prior = 10 * budget;
  let threshold = 0;
  /** The error curves of the last `window` answers with candidates. */
  const curves: CurveStep[][] = [];
  // Running sums over the audited answers (p predicted, a actual): n, p, a, p^2, a p, a^2.
  let audits = 0;
  let auditedPredicted = 0;
  let auditedActual = 0;
  let pp = 0;
  let ap = 0;
  let aa = 0;
  let answers = 0;
  let expected = 0;
  let expectedSquares = 0;
  let worst = 0;

  const ratio = () => (auditedActual + prior) / (auditedPredicted + prior);

  /** The predicted error per answer to aim at (before rho): margin * E, or what brings the running estimate there over `horizon` answers. */
  const target = () => {
    const rho = ratio();
    const share = margin * budget;
    if (horizon === 0) return share / rho;
    const left = (share * (answers + horizon) - rho * expected) / (horizon * rho);
    return Math.min(2 * share, Math.max(0, left));
  };

  /** The largest threshold at which the window's answers would cost `perAnswer` on average. */
  const solve = (perAnswer: number) => {
    const cost = (t: number) => curves.reduce((s, c) => s + (c[chosenCount(c, t) - 1]?.error ?? 0), 0) / curves.length;
    let hi = Math.max(...curves.map((c) => c[c.length - 1]?.error ?? 0));
    if (cost(hi) <= perAnswer) return hi;
    let lo = 0;
    for (let i = 0; i < 40; i++) {
      const mid = (lo + hi) / 2;
      if (cost(mid) <= perAnswer) lo = mid;
      else hi = mid;
    }
    return lo;
  };

  return {
    /** How many of this curve's criteria (in its order) to decide. */
    choose: (curve: readonly CurveStep[]) => chosenCount(curve, threshold),
    threshold: () => threshold,
    /** One answer scored: its candidates' curve and how many were decided; an audited answer's error is the judge's to know. */
    recordAnswer(curve: readonly CurveStep[], decided: number, wasAudited: boolean) {
      answers++;
      const step = curve[decided - 1];
      if (step && !wasAudited) {
        expected += step.error;
        expectedSquares += step.square;
        worst += step.worst;
      }
      if (curve.length === 0) return;
      curves.push([...curve]);
      if (curves.length > window) curves.shift();
      threshold = solve(target());
    },
    /** An audited answer: the error its decided criteria were predicted to cost, and what they would have cost. */
    recordAudit(predicted: number, actual: number) {
      audits++;
      auditedPredicted += predicted;
      auditedActual += actual;
      pp += predicted * predicted;
      ap += actual * predicted;
      aa += actual * actual;
    },
    status(): BudgetStatus {
      const rho = ratio();
      const n = Math.max(1, answers);
      const estimate = (rho * expected) / n;
      // The ratio's standard error (delta method), then the spread of the errors around their expectation.
      const residuals = Math.max(0, aa - 2 * rho * ap + rho * rho * pp);
      const rhoSe = Math.sqrt(residuals) / (auditedPredicted + prior);
      const half = 1.96 * Math.sqrt(((expected / n) * rhoSe) ** 2 + (rho * expectedSquares) / n ** 2);
      const high = Math.min(worst / n, estimate + half);
      return {
        threshold,
        ratio: rho,
        audits,
        answers,
        error_estimate: estimate,
        error_interval: [Math.max(0, Math.min(estimate, estimate - half)), Math.max(high, Math.min(estimate, worst / n))],
      };
    },
  };
}

export type ErrorBudget = ReturnType<typeof createErrorBudget>;
