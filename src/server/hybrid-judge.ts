/**
 * The learning hybrid (`serve --error-budget E`): for each criterion of an answer with a rubric it
 * predicts P(met) from the reward model (when there is one) and the per-rubric memory (the store's
 * verdicts on other answers to the same prompt, weighted by similarity), and lets that verdict
 * stand without a judge call when the error budget allows; a random share of those it decides
 * (`auditRate`) goes to the judge anyway, to measure how often it is wrong.
 *
 * It learns while serving: every judge verdict that arrives is an observation of how right the
 * prediction was, and the calibration (hybrid-calibration.ts: how far to trust the model, how many
 * verdicts its prior is worth) is refitted every `refitEvery` observations or `refitSeconds`, and
 * swapped in between requests; `version` counts the refits. Refitting the GPRC network or its heads
 * in process would mean embedding and minutes of training per refit; this layer on top of the
 * model's P(met) takes 80-300 ms of CPU for 20,000 verdicts, in slices between requests, and is
 * where a rubric the model never saw is learned, from its own verdicts.
 * Until `minObservations` verdicts have been seen it decides nothing (it has no calibration yet).
 */
import { createRng } from "../core/random.js";
import type { ChatMessage, Encoder, Judge, RewardRequest } from "../core/types.js";
import { answerText, verdictKeys } from "../judge/verdict-key.js";
import { createVerdictMemory, type MemoryEvidence } from "../judge/verdict-memory.js";
import type { VerdictStore } from "../store/store.js";
import { createErrorBudget, type DecidedCriterion } from "./error-budget.js";
import {
  type CalibrationParams,
  type Evidence,
  fitCalibration,
  INITIAL_PARAMS,
  type Observation,
  predictMet,
} from "./hybrid-calibration.js";
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
  /** How fast a verdict's weight falls with the distance between answers (verdict-memory.ts). */
  sharpness: number;
  margin: number;
  window: number;
  maxDoubt: number;
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
  source?: "memory" | "model";
  /** Decided, and asked of the judge anyway. */
  audit: boolean;
  features?: Evidence;
  q: number;
  cost: number;
  eligible: boolean;
}

export interface HybridStatus {
  mode: "memory" | "memory+model";
  version: number;
  criteria: number;
  judge_calls: number;
  decided_by_model: number;
  decided_by: { memory: number; model: number };
  audited: number;
  audit_disagreements: number;
  saved_share: number;
  threshold: number;
  error_budget: number;
  error_estimate: number;
  error_interval: [number, number];
  answers: number;
  observations: number;
  calibration: CalibrationParams;
}

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
  const budget = createErrorBudget({ budget: options.budget, margin: options.margin, window: options.window });
  const observations: Observation[] = [];
  let params = INITIAL_PARAMS;
  let version = 0;
  let sinceFit = 0;
  let fitted = false;
  const counts = { criteria: 0, judge: 0, memory: 0, model: 0, audited: 0, disagreements: 0 };

  let fitting = false;
  /** Refits in the background (the fit yields to requests as it goes) and swaps the new calibration in when done. */
  const refit = async () => {
    if (fitting || observations.length < options.minObservations || sinceFit === 0) return;
    fitting = true;
    sinceFit = 0;
    try {
      params = await fitCalibration([...observations], params, fitted ? 3 : 8);
      fitted = true;
      version++;
    } finally {
      fitting = false;
    }
  };
  const timer = setInterval(() => void refit(), options.refitSeconds * 1000);
  timer.unref();

  const decideOne = (ev: MemoryEvidence, pModel: number | null, points: number, positiveTotal: number): CriterionDecision => {
    const cost = Math.abs(points) / positiveTotal;
    if (ev.exact !== undefined) return { p: null, audit: false, q: 0, cost, eligible: false };
    const features = { pModel: options.withModel ? pModel : null, positive: points > 0, met: ev.met, weight: ev.weight, count: ev.count };
    const p = predictMet(params, features);
    const q = Math.min(p, 1 - p);
    const eligible = fitted && q <= options.maxDoubt && (ev.count >= options.minVerdicts || features.pModel !== null);
    const decision: CriterionDecision = { p, audit: false, features, q, cost, eligible };
    if (!eligible || !budget.allows(q, cost)) return decision;
    return { ...decision, verdict: p >= 0.5, source: ev.count > 0 ? "memory" : "model", audit: random() < options.auditRate };
  };

  return {
    /** A decision per criterion of each request (with a rubric); `pMet` the model's P(met) per criterion when it ran. */
    async decide(requests: readonly RewardRequest[], pMet?: readonly (readonly number[] | undefined)[]): Promise<CriterionDecision[][]> {
      const questions = requests.map((r) => {
        const answer = { promptId: null, prompt: r.prompt, rubrics: r.rubrics ?? [], completion: completionOf(r.response) };
        return { keys: verdictKeys(options.judge, answer), text: answerText(answer.completion), items: answer.rubrics };
      });
      const evidence = await memory.evidence(questions);
      return requests.map((r, a) => {
        const rubric = r.rubrics ?? [];
        const positiveTotal = rubric.reduce((s, item) => s + Math.max(0, item.points), 0);
        return rubric.map((item, i) => decideOne(evidence[a]?.[i] as MemoryEvidence, pMet?.[a]?.[i] ?? null, item.points, positiveTotal));
      });
    },
    /** The response's entry for a criterion the hybrid decided and does not audit; undefined: ask the judge. */
    decided(d: CriterionDecision | undefined): CriterionVerdict | undefined {
      if (d?.verdict === undefined || d.audit) return undefined;
      return { criteria_met: d.verdict, explanation: null, p_met: d.p, source: d.source ?? null };
    },
    /** Learns from what the judge (or the cache) said of each criterion once a request's verdicts are in; fills in the audits. */
    learn(decisions: readonly CriterionDecision[][], cells: readonly (readonly CriterionVerdict[])[]) {
      decisions.forEach((answer, a) => {
        const unchecked: DecidedCriterion[] = [];
        const eligible = answer.filter((d) => d.eligible).map((d) => ({ q: d.q, cost: d.cost }));
        answer.forEach((d, i) => {
          counts.criteria++;
          const cell = cells[a]?.[i];
          if (d.verdict !== undefined && !d.audit) {
            counts[d.source as "memory" | "model"]++;
            unchecked.push({ q: d.q, cost: d.cost });
            return;
          }
          if (cell?.source === "judge") counts.judge++;
          const y = cell?.criteria_met ?? null;
          if (cell && d.audit) cell.audit = { hybrid: d.verdict as boolean, judge: y };
          if (y === null || !d.features) return;
          // An audit stands for the 1 / rate decided criteria like it that nobody checked.
          observations.push({ ...d.features, y, importance: d.audit ? 1 / Math.max(options.auditRate, 1e-3) : 1 });
          sinceFit++;
          if (d.audit && d.verdict !== undefined) {
            counts.audited++;
            if (d.verdict !== y) counts.disagreements++;
            budget.recordAudit(d.q, d.verdict !== y);
          }
        });
        budget.recordAnswer(unchecked, eligible);
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
        audit_disagreements: counts.disagreements,
        saved_share: counts.criteria === 0 ? 0 : decided / counts.criteria,
        threshold: b.threshold,
        error_budget: options.budget,
        error_estimate: b.error_estimate,
        error_interval: b.error_interval,
        answers: b.answers,
        observations: observations.length,
        calibration: params,
      };
    },
    close: () => clearInterval(timer),
  };
}

export type HybridJudge = ReturnType<typeof createHybridJudge>;
