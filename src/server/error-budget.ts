/**
 * The hybrid's error budget (`serve --error-budget E`): how many of an answer's criteria the server
 * may decide without the judge, how wrong its rewards are estimated to be, and the audits that keep
 * that estimate honest.
 *
 * An answer's error is counted whole (answer-error.ts): the expected |reward error| err_k of
 * deciding its k best candidates, exact under independence, where errors of opposite sign cancel.
 * Audits are of whole answers: with probability `auditRate` an answer's decided criteria all go
 * to the judge anyway, so its true error is seen (what its reward would have been off by), and
 * with it what no per-criterion audit shows: whether the criteria of one answer err together. rho
 * is the audited answers' true error over their predicted error, (A + P0) / (P + P0) with P0 =
 * 10 E (a prior worth about one wrong verdict, so one surprise early does not halt everything),
 * measured apart for two kinds of answer (AnswerKind: the memory had verdicts on a candidate, or
 * the model spoke alone), whose predictions err differently.
 *
 * With `threshold` the true error (rho x err_k) accepted per judge call saved, the answer decides
 * the k maximising k * threshold - rho * err_k. The threshold is set, after each answer with
 * candidates, to the largest value at which the last `window` answers would have cost `margin * E`
 * each on average (or what brings the running estimate back there over `horizon` answers): the
 * candidates' confidence grows as the memory fills, and the threshold follows without a
 * controller's lag. It aims with rho + `caution` standard errors, and never at less than a
 * quarter of the budget (KEEP_DECIDING).
 *
 * The estimated mean |reward error| per answer is the sum over kinds of rho x (the predicted errors
 * of the answers not audited) / answers (an audited answer's reward is the judge's); its 95%
 * interval combines each rho's standard error (delta method over the audited answers, times
 * `ratioSeScale`) with the spread of the errors themselves, and never exceeds what the decided
 * criteria could cost at worst. */
import { type CurveStep, chosenCount } from "./answer-error.js";

export interface ErrorBudgetOptions {
  /** E: the mean |reward error| per answer accepted. */
  budget: number;
  /** The threshold aims at margin * E of true error. */
  margin: number;
  /** Answers the threshold is solved over. */
  window: number;
  /**
   * Answers over which the running estimate is brought back to margin * E (0: each window aims at
   * margin * E alone): answers that could not spend their share (the first, before any verdict)
   * leave it to later ones, and an overrun found by the audits is paid back; never more than twice
   * the share per answer, nor less than a quarter of it.
   */
  horizon: number;
  /**
   * The threshold aims with rho + caution x its standard error (0: rho itself): while few answers
   * have been audited rho is a noisy ratio, and a low draw would otherwise let the true error run
   * past E unseen. The estimate and its interval use rho itself.
   */
  caution: number;
  /**
   * rho's standard error is the delta method's times this: the audited answers are neither
   * independent (answers to one prompt err together) nor light-tailed, and on the tuning folds the
   * delta method's was too small by this much (hybrid-defaults.ts).
   */
  ratioSeScale: number;
}

export interface BudgetStatus {
  /** The true reward error (rho x predicted) accepted per judge call saved. */
  threshold: number;
  /** Audited answers' true error over their predicted error (the kinds' rhos, weighed by the predicted error of each). */
  ratio: number;
  /** Answers audited. */
  audits: number;
  answers: number;
  error_estimate: number;
  error_interval: [number, number];
}

/**
 * The kinds of answer whose rho the audits measure apart: 0, some candidate had the memory's
 * verdicts on the criterion; 1, the model alone (no verdict on any candidate yet). On the tuning
 * folds the model alone erred 1.4x what it predicted where the memory erred about what it
 * predicted, so one rho over both let the first answers to each prompt overspend.
 */
export type AnswerKind = 0 | 1;
/** The least share of margin * E the threshold aims at, however far over the running estimate is. */
const KEEP_DECIDING = 0.25;

/** f summed over the kinds. */
const overKinds = (f: (k: AnswerKind) => number) => f(0) + f(1);

/** Running sums over one kind's audited answers (p predicted, a actual), and its answers not audited. */
interface KindSums {
  audits: number;
  p: number;
  a: number;
  pp: number;
  ap: number;
  aa: number;
  expected: number;
  expectedSquares: number;
}

const emptySums = (): KindSums => ({ audits: 0, p: 0, a: 0, pp: 0, ap: 0, aa: 0, expected: 0, expectedSquares: 0 });

export function createErrorBudget(options: ErrorBudgetOptions) {
  const { budget, margin, window, horizon, caution, ratioSeScale } = options;
  const prior = 10 * budget;
  /** The true error (rho x predicted) accepted per judge call saved. */
  let threshold = 0;
  /** The error curves of the last `window` answers with candidates, and their kind. */
  const curves: { curve: CurveStep[]; kind: AnswerKind }[] = [];
  const sums = [emptySums(), emptySums()];
  let answers = 0;
  let worst = 0;

  const ratio = (k: AnswerKind) => ((sums[k] as KindSums).a + prior) / ((sums[k] as KindSums).p + prior);
  /** rho's standard error (the delta method's over the kind's audited answers, scaled). */
  const ratioSe = (k: AnswerKind) => {
    const { p, pp, ap, aa } = sums[k] as KindSums;
    const rho = ratio(k);
    return (ratioSeScale * Math.sqrt(Math.max(0, aa - 2 * rho * ap + rho * rho * pp))) / (p + prior);
  };
  /** The rho the threshold aims with: the ratio plus `caution` standard errors. */
  const aim = (k: AnswerKind) => ratio(k) + caution * ratioSe(k);
  /** How many of a curve's criteria to decide at threshold t, its error counted at the rho aimed with. */
  const count = (curve: readonly CurveStep[], kind: AnswerKind, t: number) => chosenCount(curve, t / aim(kind));

  /**
   * The true error per answer to aim at: margin * E, or what brings the running estimate (at the
   * rho aimed with) there over `horizon` answers, never less than `KEEP_DECIDING` of the share: a
   * server that overspent early on few audits and then decided nothing would never be audited
   * again, so never less unsure of rho (memory alone, one held-out replay: 2.3% saved).
   */
  const target = () => {
    const share = margin * budget;
    if (horizon === 0) return share;
    const spent = overKinds((k) => aim(k) * (sums[k] as KindSums).expected);
    return Math.min(2 * share, Math.max(KEEP_DECIDING * share, (share * (answers + horizon) - spent) / horizon));
  };

  /** The largest threshold at which the window's answers would cost `perAnswer` on average. */
  const solve = (perAnswer: number) => {
    const cost = (t: number) =>
      curves.reduce((s, { curve, kind }) => s + aim(kind) * (curve[count(curve, kind, t) - 1]?.error ?? 0), 0) / curves.length;
    let hi = Math.max(...curves.map(({ curve, kind }) => aim(kind) * (curve[curve.length - 1]?.error ?? 0)));
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
    choose: (curve: readonly CurveStep[], kind: AnswerKind = 0) => count(curve, kind, threshold),
    threshold: () => threshold,
    /** One answer scored: its candidates' curve and how many were decided; an audited answer's error is the judge's to know. */
    recordAnswer(curve: readonly CurveStep[], decided: number, wasAudited: boolean, kind: AnswerKind = 0) {
      answers++;
      const step = curve[decided - 1];
      const own = sums[kind] as KindSums;
      if (step && !wasAudited) {
        own.expected += step.error;
        own.expectedSquares += step.square;
        worst += step.worst;
      }
      if (curve.length === 0) return;
      curves.push({ curve: [...curve], kind });
      if (curves.length > window) curves.shift();
      threshold = solve(target());
    },
    /** An audited answer: the error its decided criteria were predicted to cost, and what they would have cost. */
    recordAudit(predicted: number, actual: number, kind: AnswerKind = 0) {
      const own = sums[kind] as KindSums;
      own.audits++;
      own.p += predicted;
      own.a += actual;
      own.pp += predicted * predicted;
      own.ap += actual * predicted;
      own.aa += actual * actual;
    },
    status(): BudgetStatus {
      const n = Math.max(1, answers);
      const expected = overKinds((k) => (sums[k] as KindSums).expected);
      const estimate = overKinds((k) => ratio(k) * (sums[k] as KindSums).expected) / n;
      // Each kind's ratio's standard error, then the spread of the errors around their expectation.
      const variance = overKinds((k) => {
        const own = sums[k] as KindSums;
        return ((own.expected / n) * ratioSe(k)) ** 2 + (ratio(k) * own.expectedSquares) / n ** 2;
      });
      const half = 1.96 * Math.sqrt(variance);
      const high = Math.min(worst / n, estimate + half);
      return {
        threshold,
        // The answers' rho, weighed by their predicted error (kind 0's before any answer).
        ratio: expected > 0 ? (estimate * n) / expected : ratio(0),
        audits: overKinds((k) => (sums[k] as KindSums).audits),
        answers,
        error_estimate: estimate,
        error_interval: [Math.max(0, Math.min(estimate, estimate - half)), Math.max(high, Math.min(estimate, worst / n))],
      };
    },
  };
}

export type ErrorBudget = ReturnType<typeof createErrorBudget>;
