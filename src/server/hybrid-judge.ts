/**
 * The learning hybrid (`serve --error-budget E`): for each criterion of an answer with a rubric it
 * predicts P(met) from the reward model (when there is one) and the per-rubric memory (the store's
 * verdicts on other answers to the same prompt, weighted by similarity), and decides without a
 * judge call as many of the answer's criteria as the error budget allows, the answer's error
 * counted whole (answer-error.ts, error-budget.ts); for a random share of the answers where it
 * decided criteria (`auditRate`) those go to the judge anyway, to measure how wrong it is.
 *
 * It learns while serving: every judge verdict that arrives is an observation of how right the
 * prediction was. Every `refitEvery` observations or `refitSeconds`, a worker thread
 * (hybrid-refit.ts) refits the model's criterion head per criterion seen (criterion-refit.ts: a
 * weight on the head's logit and a bias, from that criterion's own verdicts) and the calibration
 * on top (hybrid-calibration.ts: how far to trust the model, how many verdicts its prior is worth);
 * both are swapped in as one value when the thread answers, so a request sees one version whole,
 * and `version` counts the refits. The GPRC network itself is not refitted in process: that would
 * mean embedding and minutes of training per refit.
 * Until `minObservations` verdicts have been seen it decides nothing (it has no calibration yet).
 */
import { createRng } from "../core/random.js";
import type { ChatMessage, Encoder, Judge, RewardRequest } from "../core/types.js";
import { answerText, verdictKeys } from "../judge/verdict-key.js";
import { createVerdictMemory, type MemoryEvidence } from "../judge/verdict-memory.js";
import type { VerdictStore } from "../store/store.js";
import { actualError, type CurveStep, creditOf, errorCurve } from "./answer-error.js";
import { type CriterionHeads, refittedP } from "./criterion-refit.js";
import { type AnswerKind, createErrorBudget } from "./error-budget.js";
import { type CalibrationParams, clampedLogit, type Evidence, INITIAL_PARAMS, type Observation, predictMet } from "./hybrid-calibration.js";
import { createRefitThread } from "./hybrid-refit.js";
import type { CriterionVerdict } from "./rubric-scorer.js";

export interface HybridOptions {
  judge: Pick<Judge, "id" | "promptVersion">;
  store: Pick<VerdictStore, "criterionVerdicts" | "gradedAnswers">;
  /** Compares answers (GloVe by default: about 8,000 answers/s). */
  encoder: Encoder;
  /** Whether P(met) from a reward model comes with each request. */
  withModel: boolean;
  budget: number;
  auditRate: number;
  /** Other answers' verdicts needed before the memory alone decides a criterion. */
  minVerdicts: number;
  refitEvery: number;
  refitSeconds: number;
  minObservations: number;
  /** The criterion head's refit: ridge toward the head as trained (criterion-refit.ts). */
  headRidge: number;
  /** How fast a verdict's weight falls with the distance between answers (verdict-memory.ts). */
  sharpness: number;
  margin: number;
  window: number;
  /** Answers over which the running error estimate is brought back to margin * E (error-budget.ts; 0: off). */
  horizon: number;
  /** The threshold aims with rho + caution x its standard error (error-budget.ts). */
  caution: number;
  /** rho's standard error is the delta method's times this (error-budget.ts). */
  ratioSeScale: number;
  maxDoubt: number;
  /** The least P(wrong) any P(met) claims: the judge's own noise, which no evidence removes (hybrid-defaults.ts). */
  doubtFloor: number;
  /** A decided criterion at most this likely wrong counts its verdict in the reward; a less sure one counts P(met) x points (answer-error.ts). */
  hardDoubt: number;
  memoryLimit: number;
  /** Answers whose vectors the memory keeps at most (serve --memory-vectors). */
  maxVectors: number;
  /** Judge verdicts the calibration is fitted on at most, the newest (serve --refit-max-verdicts). */
  maxObservations: number;
  /** Seeds the audits' draw (benches, tests); default Math.random. */
  seed?: number;
}

/** What the hybrid did with one criterion. */
export interface CriterionDecision {
  /** The hybrid's P(met), or null when it had nothing to say (this very answer's verdict is cached). */
  p: number | null;
  /** The verdict taken without the judge (audited or not), or undefined: the judge decides. */
  verdict?: boolean;
  /** The share of the criterion's points the reward counts when decided: the verdict (1, 0), or P(met) when soft. */
  credit?: number;
  source?: "memory" | "model";
  /** Decided, and asked of the judge anyway. */
  audit: boolean;
  features?: Evidence;
  /** The criterion's key, and the trained head's logit for it (null without a model): what the head's refit learns from. */
  key?: string;
  logit?: number | null;
  points: number;
  eligible: boolean;
}

/** What the hybrid did with one answer: a decision per criterion, the error curve of its candidates, how many it decided, whether audited. */
export interface AnswerDecision {
  criteria: CriterionDecision[];
  curve: CurveStep[];
  decided: number;
  audited: boolean;
  positiveTotal: number;
  /** Whether the memory had verdicts on any candidate (0) or the model alone spoke (1): the audits measure each apart. */
  kind: AnswerKind;
}

export interface HybridStatus {
  mode: "memory" | "memory+model";
  version: number;
  criteria: number;
  judge_calls: number;
  decided_by_model: number;
  decided_by: { memory: number; model: number };
  audited: number;
  /** Answers with a criterion decided without the judge, and of those the answers audited whole. */
  decided_answers: number;
  audited_answers: number;
  audit_disagreements: number;
  saved_share: number;
  threshold: number;
  error_budget: number;
  error_estimate: number;
  error_interval: [number, number];
  answers: number;
  observations: number;
  calibration: CalibrationParams;
  /** Criteria whose head has been refitted from their verdicts. */
  refitted_criteria: number;
}

/** P(met) kept within [floor, 1 - floor]. */
const withFloor = (p: number, floor: number) => Math.min(1 - floor, Math.max(floor, p));

const completionOf = (response: string): ChatMessage[] => [{ role: "assistant", content: response }];

export function createHybridJudge(options: HybridOptions) {
  const random = options.seed === undefined ? Math.random : createRng(options.seed);
  const memory = createVerdictMemory({
    store: options.store,
    encoder: options.encoder,
    limit: options.memoryLimit,
    sharpness: options.sharpness,
    maxVectors: options.maxVectors,
  });
  const budget = createErrorBudget({
    budget: options.budget,
    margin: options.margin,
    window: options.window,
    horizon: options.horizon,
    caution: options.caution,
    ratioSeScale: options.ratioSeScale,
  });
  const observations: (Observation & { key: string; logit: number | null })[] = [];
  /** The calibration and the refitted criterion heads answering now: replaced whole when a refit ends. */
  let current: { params: CalibrationParams; heads: CriterionHeads } = { params: INITIAL_PARAMS, heads: new Map() };
  const thread = createRefitThread();
  let version = 0;
  let sinceFit = 0;
  let fitted = false;
  const counts = { criteria: 0, judge: 0, memory: 0, model: 0, audited: 0, disagreements: 0, decidedAnswers: 0, auditedAnswers: 0 };

  let fitting = false;
  /** Refits in the refit thread and swaps the new calibration and heads in when done. */
  const refit = async () => {
    if (fitting || observations.length < options.minObservations || sinceFit === 0) return;
    fitting = true;
    sinceFit = 0;
    try {
      const headRows = observations.flatMap(({ key, logit, y, importance }) => (logit === null ? [] : [{ key, logit, y, importance }]));
      current = await thread.refit({
        observations: [...observations],
        start: current.params,
        steps: fitted ? 3 : 8,
        headRows,
        headRidge: options.headRidge,
      });
      fitted = true;
      version++;
    } catch (error) {
      // The server goes on with the calibration it has; the next refit tries again.
      process.stderr.write(`medrubric serve: hybrid refit failed: ${error instanceof Error ? error.message : String(error)}\n`);
    } finally {
      fitting = false;
    }
  };
  const timer = setInterval(() => void refit(), options.refitSeconds * 1000);
  timer.unref();

  const predictOne = (ev: MemoryEvidence, pModel: number | null, points: number): CriterionDecision => {
    if (ev.exact !== undefined) return { p: null, audit: false, points, eligible: false };
    const trained = options.withModel ? pModel : null;
    const { params, heads } = current;
    // The model's P(met) through the criterion head as refitted for this criterion (as trained if never seen).
    const head = trained === null ? null : refittedP(heads, ev.key, trained);
    const features = { pModel: head, positive: points > 0, met: ev.met, weight: ev.weight, count: ev.count };
    const p = withFloor(predictMet(params, features), options.doubtFloor);
    const eligible = fitted && Math.min(p, 1 - p) <= options.maxDoubt && (ev.count >= options.minVerdicts || features.pModel !== null);
    return { p, audit: false, features, key: ev.key, logit: trained === null ? null : clampedLogit(trained), points, eligible };
  };

  /** Which of an answer's criteria to decide: the k best of its candidates that the budget allows, all audited or none. */
  const decideAnswer = (criteria: CriterionDecision[], positiveTotal: number): AnswerDecision => {
    const candidates = criteria.flatMap((d, i) => (d.eligible ? [i] : []));
    const curve = errorCurve(
      candidates.map((i) => ({ p: criteria[i]?.p as number, points: criteria[i]?.points as number })),
      positiveTotal,
      options.hardDoubt,
    ).map((step) => ({ ...step, index: candidates[step.index] as number }));
    const kind: AnswerKind = candidates.some((i) => (criteria[i]?.features?.count ?? 0) > 0) ? 0 : 1;
    const decided = budget.choose(curve, kind);
    const audited = decided > 0 && random() < options.auditRate;
    for (const step of curve.slice(0, decided)) {
      const d = criteria[step.index] as CriterionDecision;
      const p = d.p as number;
      Object.assign(d, {
        verdict: p >= 0.5,
        credit: creditOf(p, options.hardDoubt),
        source: d.features?.count ? "memory" : "model",
        audit: audited,
      });
    }
    return { criteria, curve, decided, audited, positiveTotal, kind };
  };

  return {
    /** A decision per criterion of each request (with a rubric); `pMet` the model's P(met) per criterion when it ran. */
    async decide(requests: readonly RewardRequest[], pMet?: readonly (readonly number[] | undefined)[]): Promise<AnswerDecision[]> {
      const questions = requests.map((r) => {
        const answer = { promptId: null, prompt: r.prompt, rubrics: r.rubrics ?? [], completion: completionOf(r.response) };
        return { keys: verdictKeys(options.judge, answer), text: answerText(answer.completion), items: answer.rubrics };
      });
      const evidence = await memory.evidence(questions);
      return requests.map((r, a) => {
        const rubric = r.rubrics ?? [];
        const positiveTotal = rubric.reduce((s, item) => s + Math.max(0, item.points), 0);
        const criteria = rubric.map((item, i) => predictOne(evidence[a]?.[i] as MemoryEvidence, pMet?.[a]?.[i] ?? null, item.points));
        return decideAnswer(criteria, positiveTotal);
      });
    },
    /** The response's entry for a criterion the hybrid decided and does not audit; undefined: ask the judge. */
    decided(d: CriterionDecision | undefined): CriterionVerdict | undefined {
      if (d?.verdict === undefined || d.audit) return undefined;
      const soft = d.credit !== undefined && d.credit !== (d.verdict ? 1 : 0);
      return { criteria_met: d.verdict, explanation: null, p_met: d.p, source: d.source ?? null, ...(soft ? { credit: d.credit } : {}) };
    },
    /** Learns from what the judge (or the cache) said of each criterion once a request's verdicts are in; fills in the audits. */
    learn(decisions: readonly AnswerDecision[], cells: readonly (readonly CriterionVerdict[])[]) {
      decisions.forEach((answer, a) => {
        const audit: { points: number; credit: number; met: boolean }[] = [];
        answer.criteria.forEach((d, i) => {
          counts.criteria++;
          const cell = cells[a]?.[i];
          if (d.verdict !== undefined && !d.audit) {
            counts[d.source as "memory" | "model"]++;
            return;
          }
          if (cell?.source === "judge") counts.judge++;
          const y = cell?.criteria_met ?? null;
          if (cell && d.audit) cell.audit = { hybrid: d.verdict as boolean, judge: y };
          if (y === null || !d.features) return;
          // An audit stands for the 1 / rate decided criteria like it that nobody checked.
          const importance = d.audit ? 1 / Math.max(options.auditRate, 1e-3) : 1;
          observations.push({ ...d.features, key: d.key as string, logit: d.logit ?? null, y, importance });
          sinceFit++;
          if (d.audit && d.verdict !== undefined) {
            counts.audited++;
            if (d.verdict !== y) counts.disagreements++;
            audit.push({ points: d.points, credit: d.credit as number, met: y });
          }
        });
        if (answer.decided > 0) counts.decidedAnswers++;
        if (answer.audited) counts.auditedAnswers++;
        // An audited answer tells the budget its decided criteria's true error (if the judge answered them all).
        if (answer.audited && audit.length === answer.decided)
          budget.recordAudit((answer.curve[answer.decided - 1] as CurveStep).error, actualError(audit, answer.positiveTotal), answer.kind);
        budget.recordAnswer(answer.curve, answer.decided, answer.audited, answer.kind);
      });
      if (observations.length > options.maxObservations) observations.splice(0, observations.length - options.maxObservations);
      if (sinceFit >= options.refitEvery) void refit();
    },
    version: () => version,
    status(): HybridStatus {
      const b = budget.status();
      const decided = counts.memory + counts.model;
      return {
        mode: options.withModel ? "memory+model" : "memory",
        version,
        criteria: counts.criteria,
        judge_calls: counts.judge,
        decided_by_model: decided,
        decided_by: { memory: counts.memory, model: counts.model },
        audited: counts.audited,
        decided_answers: counts.decidedAnswers,
        audited_answers: counts.auditedAnswers,
        audit_disagreements: counts.disagreements,
        saved_share: counts.criteria === 0 ? 0 : decided / counts.criteria,
        threshold: b.threshold,
        error_budget: options.budget,
        error_estimate: b.error_estimate,
        error_interval: b.error_interval,
        answers: b.answers,
        observations: observations.length,
        calibration: current.params,
        refitted_criteria: current.heads.size,
      };
    },
    async close() {
      clearInterval(timer);
      await thread.close();
    },
  };
}

export type HybridJudge = ReturnType<typeof createHybridJudge>;
