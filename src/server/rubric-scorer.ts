/**
 * The reward server's judge-backed and hybrid `Scorer`: an answer that comes with a rubric gets a
 * verdict per criterion and the reward `score` would compute from them (the rubric's HealthBench
 * score, unclipped); an answer without one goes to the reward model. With `triage`, the model's
 * P(met) decides the criteria it is sure of (P >= triage or <= 1 - triage) and the judge the rest.
 *
 * Verdicts come through a VerdictBroker (the store's verdict cache, one call per verdict however
 * many requests want it, calls bounded across requests), so each request is answered as soon as
 * its own verdicts are in. A judge failure is never "not met": the criterion is counted and,
 * by --on-unjudged (unjudged-criteria.ts), the answer fails or gets the reward over the criteria
 * judged. At the request deadline the criteria still unjudged are counted as failures and dropped
 * (their calls, if not started, are never made, and if running are aborted). A request's judge
 * work is bounded (judge-work.ts), and the queue counts criteria, not answers.
 */
import { UsageError } from "../core/errors.js";
import { inTurns } from "../core/in-turns.js";
import type { RewardRequest, RewardScore } from "../core/types.js";
import { rubricScore } from "../healthbench/scoring.js";
import type { BrokeredVerdict, VerdictBroker, VerdictQuestion, VerdictTicket } from "../judge/verdict-broker.js";
import type { AnswerDecision, HybridJudge } from "./hybrid-judge.js";
import type { JudgeMetrics } from "./judge-metrics.js";
import { checkJudgeWork } from "./judge-work.js";
import { AbandonedError, QueueFullError, type Scorer, type SubmitOptions } from "./micro-batcher.js";
import { notJudgedWithin, type UnjudgedPolicy, unjudgedError } from "./unjudged-criteria.js";

export type VerdictSource = "judge" | "cache" | "model" | "memory";

/**
 * One criterion of a judge-backed result: the verdict (null: a failure, left out), the judge's
 * explanation (null when the judge gave none: a failure, or a verdict the model decided), P(met)
 * (the hybrid's under --error-budget, else the model's when it ran), the source, and for a
 * criterion the hybrid decided and had audited, both verdicts (the reward takes the judge's).
 */
export interface CriterionVerdict {
  criteria_met: boolean | null;
  explanation: string | null;
  p_met: number | null;
  source: VerdictSource | null;
  failure?: string;
  audit?: { hybrid: boolean; judge: boolean | null };
  /**
   * A soft decision (--error-budget): the share of the criterion's points the reward counted,
   * P(met), where `criteria_met` is only the likelier verdict. Absent: the reward counts the verdict.
   */
  credit?: number;
}

/** A judge-backed result: `criteria` holds objects here, where the model alone gives P(met) numbers. */
export interface JudgedScore extends Omit<RewardScore, "criteria"> {
  criteria: CriterionVerdict[];
  /** Deprecated: the same list as `criteria`, under its name before 0.2; to be removed. */
  verdicts: CriterionVerdict[];
  /** Criteria with a verdict (judge, cache or model), of the rubric's; the others are failures. */
  criteria_judged: number;
  judge_failures: number;
  /** Under --error-budget: the hybrid's calibration version that answered. */
  hybrid_version?: number;
}

/** What the server answers per response: the model's score, or a judge-backed one. */
export type ServedScore = RewardScore | JudgedScore;

export interface RubricScorerOptions {
  broker: VerdictBroker;
  /** The reward model: scores answers without a rubric, and gives P(met) per criterion. */
  model?: Scorer<RewardRequest, RewardScore>;
  /** Criteria with P(met) >= triage or <= 1 - triage take the model's verdict (needs `model`). */
  triage?: number;
  /** Criteria waiting for verdicts at most, over all requests (--max-queue); beyond it 429. */
  maxQueue: number;
  /** Criteria one request may send to the judge (--max-judge-work); beyond it 413. */
  maxJudgeWork: number;
  /** What an answer with unjudged criteria gets (--on-unjudged). */
  onUnjudged: UnjudgedPolicy;
  /** A request's judge work ends here (--request-timeout-ms). */
  deadlineMs: number;
  metrics?: JudgeMetrics;
  /** The learning hybrid (--error-budget): decides criteria from the model and the store's verdicts. */
  hybrid?: HybridJudge;
}

const hasRubric = (request: RewardRequest) => (request.rubrics?.length ?? 0) > 0;

export function createRubricScorer(options: RubricScorerOptions): Scorer<RewardRequest, ServedScore> {
  const { broker, model, triage, deadlineMs, metrics, hybrid } = options;
  if (triage !== undefined && !model) throw new UsageError("--triage needs --model: the model's P(met) decides the sure criteria");
  let outstanding = 0;
  let progressAt = 0;
  const idle: (() => void)[] = [];

  /** The verdicts of every criterion of `requests`, answered by `deadline` (ms, performance clock). */
  const judgeAll = async (
    requests: readonly RewardRequest[],
    pMet: readonly (readonly number[] | undefined)[] | undefined,
    decisions: readonly AnswerDecision[] | undefined,
    deadline: number,
    abandoned: Promise<unknown> | undefined,
  ): Promise<CriterionVerdict[][]> => {
    const asked: { cell: CriterionVerdict; question: VerdictQuestion }[] = [];
    const cells = requests.map((request, a) => {
      const rubric = request.rubrics ?? [];
      const answer = {
        promptId: null,
        prompt: request.prompt,
        rubrics: rubric,
        completion: [{ role: "assistant" as const, content: request.response }],
      };
      return rubric.map((_, itemIndex): CriterionVerdict => {
        const decided = hybrid?.decided(decisions?.[a]?.criteria[itemIndex]);
        if (decided) {
          metrics?.triaged.inc();
          return decided;
        }
        const p = decisions?.[a]?.criteria[itemIndex]?.p ?? pMet?.[a]?.[itemIndex] ?? null;
        if (triage !== undefined && p !== null && (p >= triage || p <= 1 - triage)) {
          metrics?.triaged.inc();
          return { criteria_met: p >= triage, explanation: null, p_met: p, source: "model" };
        }
        const cell: CriterionVerdict = { criteria_met: null, explanation: null, p_met: p, source: null };
        asked.push({ cell, question: { answer, itemIndex } });
        return cell;
      });
    });
    const issued = await broker.ask(asked.map(({ question }) => question));
    const tickets = asked.map(({ cell }, q) => ({ cell, ticket: issued[q] as VerdictTicket, done: false }));
    const settle = (entry: (typeof tickets)[number], verdict: BrokeredVerdict) => {
      if (entry.done) return;
      entry.done = true;
      progressAt = performance.now();
      if (verdict.ok) {
        Object.assign(entry.cell, { criteria_met: verdict.criteria_met, explanation: verdict.explanation, source: verdict.source });
        if (verdict.source === "cache") metrics?.cacheHits.inc();
      } else {
        Object.assign(entry.cell, { source: "judge", failure: verdict.failure });
        metrics?.failures.inc({ reason: "judge" });
      }
    };
    const all = Promise.all(tickets.map((entry) => entry.ticket.verdict.then((verdict) => settle(entry, verdict))));
    let timer: NodeJS.Timeout | undefined;
    const timeUp = new Promise<"deadline">((resolve) => {
      timer = setTimeout(() => resolve("deadline"), Math.max(0, deadline - performance.now()));
    });
    const gone = abandoned?.then(() => "abandoned" as const);
    const outcome = await Promise.race([all.then(() => "done" as const), timeUp, ...(gone ? [gone] : [])]);
    clearTimeout(timer);
    // In turns: a large request's withdrawals (each may abort a call) would otherwise hold the event loop.
    await inTurns(tickets, (chunk) => {
      for (const entry of chunk) {
        if (entry.done) continue;
        entry.done = true;
        entry.ticket.withdraw(outcome === "abandoned" ? "abandoned" : "deadline");
        if (outcome === "abandoned") continue;
        Object.assign(entry.cell, { failure: notJudgedWithin(deadlineMs) });
        metrics?.failures.inc({ reason: "deadline" });
      }
    });
    if (outcome === "abandoned") throw new AbandonedError();
    return cells;
  };

  /** The rubric's score over the criteria answered, or the answer's failure (unjudged-criteria.ts). */
  const judgedScore = (request: RewardRequest, verdicts: CriterionVerdict[], index: number, scores: Record<string, number>) => {
    const rubric = request.rubrics ?? [];
    const answered = verdicts.flatMap((v, i) =>
      v.criteria_met === null ? [] : [{ item: rubric[i] as { points: number }, met: v.criteria_met, credit: v.credit }],
    );
    const reward = softScore(answered);
    const failures = verdicts.filter((v) => v.criteria_met === null);
    const error = unjudgedError(index, failures, verdicts.length, reward, { policy: options.onUnjudged, deadlineMs });
    if (error) throw error;
    return {
      scores,
      reward: reward as number,
      criteria: verdicts,
      verdicts,
      criteria_judged: answered.length,
      judge_failures: failures.length,
    } satisfies JudgedScore;
  };

  const scoreRubrics = async (requests: readonly RewardRequest[], indexes: number[], abandoned?: Promise<unknown>) => {
    const deadline = performance.now() + deadlineMs;
    const modelPart = model?.submit(requests, { abandoned });
    // Awaited below in every branch; this only keeps an early rejection from counting as unhandled.
    modelPart?.catch(() => {});
    const needsP = triage !== undefined || (hybrid && model);
    const pMet = needsP ? (await (modelPart as Promise<RewardScore[]>)).map((s) => s.criteria) : undefined;
    const decisions = await hybrid?.decide(requests, pMet);
    const verdicts = await judgeAll(requests, pMet, decisions, deadline, abandoned);
    hybrid?.learn(decisions as AnswerDecision[], verdicts);
    const modelScores = await modelPart;
    return requests.map((request, a) => {
      const p = modelScores?.[a]?.criteria;
      const cells = (verdicts[a] as CriterionVerdict[]).map((cell, i) => ({ ...cell, p_met: hybrid ? cell.p_met : (p?.[i] ?? null) }));
      const scored = judgedScore(request, cells, indexes[a] as number, modelScores?.[a]?.scores ?? {});
      return hybrid ? { ...scored, hybrid_version: hybrid.version() } : scored;
    });
  };

  return {
    async submit(requests, { abandoned }: Pick<SubmitOptions, "abandoned"> = {}) {
      const judged = requests.flatMap((r, i) => (hasRubric(r) ? [i] : []));
      const plain = requests.flatMap((r, i) => (hasRubric(r) ? [] : [i]));
      if (plain.length > 0 && !model)
        throw new UsageError(`answer ${plain[0]}: no rubric, and this server has no --model to score it without one`);
      const work = checkJudgeWork(requests, options);
      if (outstanding + work > options.maxQueue) throw new QueueFullError(1);
      if (outstanding === 0) progressAt = performance.now();
      outstanding += work;
      try {
        const pick = (indexes: number[]) => indexes.map((i) => requests[i] as RewardRequest);
        const [fromJudge, fromModel] = await Promise.all([
          judged.length > 0 ? scoreRubrics(pick(judged), judged, abandoned) : [],
          plain.length > 0 ? (model as Scorer<RewardRequest, RewardScore>).submit(pick(plain), { abandoned }) : [],
        ]);
        const results = new Array<ServedScore>(requests.length);
        judged.forEach((i, k) => {
          results[i] = fromJudge[k] as JudgedScore;
        });
        plain.forEach((i, k) => {
          results[i] = fromModel[k] as RewardScore;
        });
        return results;
      } finally {
        outstanding -= work;
        if (outstanding === 0) for (const done of idle.splice(0)) done();
      }
    },
    depth: () => outstanding + (model?.depth() ?? 0),
    // Waiting on the judge with no verdict arriving for this long: /healthz says unready past the deadline.
    busyMs: () => Math.max(outstanding > 0 ? performance.now() - progressAt : 0, model?.busyMs() ?? 0),
    limits: { maxQueue: options.maxQueue, deadlineMs },
    async drain() {
      if (outstanding > 0) await new Promise<void>((resolve) => idle.push(resolve));
      await model?.drain();
    },
  };
}

/** The rubric's score (HealthBench's, unclipped) with a soft criterion counting `credit` x its points instead of its verdict's. */
function softScore(answered: readonly { item: { points: number }; met: boolean; credit?: number }[]): number | null {
  if (answered.every((a) => a.credit === undefined))
    return rubricScore(
      answered.map((a) => a.item),
      answered.map((a) => a.met),
    );
  const possible = answered.reduce((s, a) => s + Math.max(0, a.item.points), 0);
  const achieved = answered.reduce((s, a) => s + a.item.points * (a.credit ?? (a.met ? 1 : 0)), 0);
  return possible > 0 ? achieved / possible : null;
}

/** What OpenRLHF logs beside its metrics: where the criteria of a request's judged answers came from. */
export function judgeLogs(results: readonly ServedScore[]): Record<string, number> {
  const judged = results.filter((r): r is JudgedScore => "judge_failures" in r);
  if (judged.length === 0) return {};
  const count = (source: VerdictSource) =>
    judged.reduce((n, r) => n + r.criteria.filter((v) => v.source === source && v.criteria_met !== null).length, 0);
  return {
    judge_failures: judged.reduce((n, r) => n + r.judge_failures, 0),
    criteria_from_judge: count("judge"),
    criteria_from_cache: count("cache"),
    criteria_from_model: count("model"),
    // Only under --error-budget, where the memory decides.
    ...(judged.some((r) => r.hybrid_version !== undefined) ? { criteria_from_memory: count("memory") } : {}),
  };
}
