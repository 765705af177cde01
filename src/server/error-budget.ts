/**
 * The hybrid's error budget (`serve --error-budget E`): which criteria the server may decide
 * without the judge, how wrong its rewards are estimated to be, and the audits that keep that
 * estimate honest.
 *
 * A criterion decided wrongly moves the reward by its |points| over the rubric's positive total
 * (its cost c). With q the criterion's predicted chance of being wrong (1 - max(P, 1 - P)), the
 * server decides it when q * c <= threshold, so cheap criteria are decided first. rho is the
 * audits' ratio of wrong verdicts found to wrong verdicts predicted ((W + 1) / (E + 1), so one
 * surprise early does not halt everything): a P(met) more sure of itself than it should be is
 * caught by the audits and paid for with a lower threshold. The estimated mean |reward error| per
 * answer is rho * (sum of q * c over the decided criteria not audited) / answers; its 95% interval
 * combines Garwood's exact Poisson interval on W (how wrong rho may be) with the spread of the
 * errors themselves, and never exceeds what deciding every one of those criteria wrongly would cost.
 *
 * The threshold is set, after each answer with a criterion the server could have decided, to the
 * largest value at which deciding every such criterion of the last `window` answers at or under it
 * would have cost them `margin * E` each on average (in expectation, times rho): the candidates'
 * confidence grows as the memory fills, and the threshold follows without a controller's lag.
 */

export interface ErrorBudgetOptions {
  /** E: the mean |reward error| per answer accepted. */
  budget: number;
  /** The controller aims at margin * E (below 1 leaves room for the estimate's own error). */
  margin: number;
  /** Answers the controller averages over. */
  window: number;
}

export interface BudgetStatus {
  /** The largest q * cost of a criterion decided without the judge. */
  threshold: number;
  /** Wrong verdicts found by audits over those predicted. */
  ratio: number;
  audits: number;
  audit_wrong: number;
  answers: number;
  error_estimate: number;
  error_interval: [number, number];
}

/** A criterion of one answer: its predicted chance of being wrong if decided, and its cost. */
export interface DecidedCriterion {
  q: number;
  cost: number;
}

export function createErrorBudget(options: ErrorBudgetOptions) {
  const { budget, margin, window } = options;
  let threshold = 0;
  /** q * cost of every criterion that could have been decided, per answer, over the last `window` answers. */
  const candidates: number[][] = [];
  let audits = 0;
  let wrong = 0;
  let predictedWrong = 0;
  let answers = 0;
  let expected = 0;
  let expectedSquares = 0;
  let worst = 0;

  const ratio = () => (wrong + 1) / (predictedWrong + 1);

  return {
    /** Whether a criterion with this chance of being wrong and this cost may be decided without the judge. */
    allows: (q: number, cost: number) => q * cost <= threshold,
    threshold: () => threshold,
    /**
     * One answer scored: the decided criteria the judge did not check, and every criterion that
     * could have been decided (eligible), decided or not.
     */
    recordAnswer(decided: readonly DecidedCriterion[], eligible: readonly DecidedCriterion[]) {
      answers++;
      expected += decided.reduce((s, d) => s + d.q * d.cost, 0);
      expectedSquares += decided.reduce((s, d) => s + d.q * d.cost ** 2, 0);
      worst += decided.reduce((s, d) => s + d.cost, 0);
      if (eligible.length === 0) return;
      candidates.push(eligible.map((d) => d.q * d.cost));
      if (candidates.length > window) candidates.shift();
      threshold = affordable(candidates, (margin * budget) / ratio());
    },
    /** A decided criterion the judge checked: q as predicted, and whether the server's verdict was wrong. */
    recordAudit(q: number, wasWrong: boolean) {
      audits++;
      predictedWrong += q;
      if (wasWrong) wrong++;
    },
    status(): BudgetStatus {
      const rho = ratio();
      const n = Math.max(1, answers);
      const estimate = (rho * expected) / n;
      const [lo, hi] = garwood(wrong);
      const spread = (1.96 * Math.sqrt(rho * expectedSquares)) / n;
      // Exact on W alone (the estimate's prior count is left out); with few audits the high end is the worst case.
      const per = expected / n / Math.max(predictedWrong, 1e-9);
      const low = Math.max(0, lo * per - spread);
      const high = Math.min(worst / n, hi * per + spread);
      return {
        threshold,
        ratio: rho,
        audits,
        audit_wrong: wrong,
        answers,
        error_estimate: estimate,
        error_interval: [Math.min(low, estimate), Math.max(high, Math.min(estimate, worst / n))],
      };
    },
  };
}

export type ErrorBudget = ReturnType<typeof createErrorBudget>;

/** The largest x such that the x_i <= x of every answer sum to at most `perAnswer` per answer on average. */
export function affordable(answers: readonly (readonly number[])[], perAnswer: number): number {
  const all = answers.flat().sort((a, b) => a - b);
  let spent = 0;
  let threshold = 0;
  for (const x of all) {
    if (spent + x > perAnswer * answers.length) break;
    spent += x;
    threshold = x;
  }
  return threshold;
}

/** Garwood's exact 95% interval for the mean of a Poisson count observed as k. */
export function garwood(k: number): [number, number] {
  const high = solve((mu) => poissonCdf(k, mu) - 0.025, k + 1);
  const low = k === 0 ? 0 : solve((mu) => poissonCdf(k - 1, mu) - 0.975, k);
  return [low, high];
}

/** P(X <= k) for X ~ Poisson(mu). */
function poissonCdf(k: number, mu: number): number {
  let term = Math.exp(-mu);
  let sum = term;
  for (let i = 1; i <= k; i++) {
    term *= mu / i;
    sum += term;
  }
  return Math.min(1, sum);
}

/** The mu where a function decreasing in mu crosses 0, by bisection from around `guess`. */
function solve(f: (mu: number) => number, guess: number): number {
  let lo = 0;
  let hi = Math.max(1, guess);
  while (f(hi) > 0) hi *= 2;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (f(mid) > 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
