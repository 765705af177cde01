/**
 * How closely a reward model stands in for the rubric grader, on graded answers: answers to the
 * same prompt are compared with each other, as an RL step or a best-of-N reranking compares them.
 *
 * - pairwise: over pairs of answers to one prompt whose rubric scores differ by at least
 *   `minGap`, the share where the higher reward goes to the higher score (ties count half);
 * - best-of-N: per prompt with two or more answers of different scores, (score of the answer the
 *   model ranks first - mean score) / (best score - mean score), averaged: 1 is the grader's own
 *   choice, 0 a random pick (ties for first place share their scores);
 * - Spearman: the rank correlation of reward and score within each prompt, averaged;
 * - length: the pairs above where the grader prefers the shorter answer (length alone gets every
 *   one wrong), and the rank correlation of reward with answer length within each prompt,
 *   averaged, beside the grader's own (`grader_length_spearman`): how much of the reward is length;
 * - criteria (rubric-conditioned models only): each criterion's P(met) against the grader's
 *   verdict: accuracy and macro F1 at 0.5, AUC, and calibration (calibration.ts).
 *
 * The three ordering measures are taken twice: with the item's rubric in the request (the reward
 * a rubric-reading model gives is the rubric's expected score) and without it (the reward from
 * the standard's dimensions: what an RL run or a reranker gets when there is no rubric).
 */
import type { RewardModel, RewardScore } from "../core/types.js";
import { completionText, type GradedExample, gradedPromptKey } from "../healthbench/schema.js";
import { tryExampleMetrics } from "../healthbench/scoring.js";
import { type Calibration, calibration } from "./calibration.js";
import { DEFAULT_BATCH_SIZE, groupBy, preference, scoreBatched, spearman } from "./score-batched.js";

export const DEFAULT_MIN_GAP = 0.1;

export interface CriterionAgreement {
  n: number;
  accuracy: number;
  macro_f1: number;
  auc: number | null;
  calibration?: Calibration;
}

export interface Ordering {
  pairwise: { n_pairs: number; n_prompts: number; accuracy: number | null };
  best_of_n: { n_prompts: number; gain_share: number | null };
  spearman: { n_prompts: number; mean: number | null };
  /** The pairs in order where the grader's better answer is the shorter one. */
  shorter_better: { n_pairs: number; accuracy: number | null };
  /** Spearman of the reward with answer length (characters) within each prompt, averaged. */
  length_spearman: { n_prompts: number; mean: number | null };
}

/** The orderings with the rubric given, and without it; criteria only for models that read rubrics. */
export interface GraderAgreement extends Ordering {
  without_rubric: Ordering;
  criteria?: CriterionAgreement;
  /** The grader's own scores' Spearman with answer length within each prompt, averaged: what the reward's should be near. */
  grader_length_spearman: { n_prompts: number; mean: number | null };
}

const mean = (values: readonly number[]) => (values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length);

/** The graded score of each answer (judge failures left out), null when nothing positive was graded. */
const gradedScore = (row: GradedExample): number | null =>
  tryExampleMetrics(
    row,
    row.verdicts.map((v) => v.criteria_met),
  )?.overall_score ?? null;

export async function graderAgreement(
  model: RewardModel,
  graded: readonly GradedExample[],
  { minGap = DEFAULT_MIN_GAP, batchSize = DEFAULT_BATCH_SIZE } = {},
): Promise<GraderAgreement> {
  const rows = graded.flatMap((row) => {
    const score = gradedScore(row);
    return score === null ? [] : [{ row, score }];
  });
  const request = (row: GradedExample, rubrics: boolean) => ({
    prompt: row.prompt,
    response: completionText(row.completion),
    ...(rubrics ? { rubrics: row.rubrics } : {}),
  });
  const withRubric = await scoreBatched(
    model,
    rows.map(({ row }) => request(row, true)),
    batchSize,
  );
  const withoutRubric = await scoreBatched(
    model,
    rows.map(({ row }) => request(row, false)),
    batchSize,
  );
  const answers = rows.map((r, i) => ({ ...r, result: withRubric[i] as RewardScore }));
  const criteria = answers.every((a) => a.result.criteria) ? criterionAgreement(answers) : undefined;
  return {
    ...ordering(answers, minGap),
    without_rubric: ordering(
      rows.map((r, i) => ({ ...r, result: withoutRubric[i] as RewardScore })),
      minGap,
    ),
    ...(criteria ? { criteria } : {}),
    grader_length_spearman: lengthSpearman(answers.map((a) => ({ ...a, value: a.score }))),
  };
}

const lengthOf = (row: GradedExample) => completionText(row.completion).length;

/** Spearman of `value` with answer length within each prompt, averaged over prompts where it is defined. */
function lengthSpearman(answers: readonly { row: GradedExample; value: number }[]): { n_prompts: number; mean: number | null } {
  const correlations = [...groupBy(answers, ({ row }) => gradedPromptKey(row)).values()].flatMap((group) => {
    const rho = spearman(
      group.map((a) => a.value),
      group.map((a) => lengthOf(a.row)),
    ).spearman;
    return rho === null ? [] : [rho];
  });
  return { n_prompts: correlations.length, mean: mean(correlations) };
}

function ordering(answers: readonly { row: GradedExample; score: number; result: RewardScore }[], minGap: number): Ordering {
  const prompts = [...groupBy(answers, ({ row }) => gradedPromptKey(row)).values()];
  const judged = prompts.flatMap((group) =>
    group.flatMap((a, i) =>
      group
        .slice(i + 1)
        .filter((b) => Math.abs(a.score - b.score) >= minGap)
        .map((b) => {
          const [better, worse] = a.score > b.score ? [a, b] : [b, a];
          return { right: preference(better.result.reward, worse.result.reward), shorter: lengthOf(better.row) < lengthOf(worse.row) };
        }),
    ),
  );
  const pairs = judged.map((p) => p.right);
  const shorter = judged.filter((p) => p.shorter).map((p) => p.right);
  const gains = prompts.flatMap((group) => bestOfNGain(group.map((a) => ({ score: a.score, reward: a.result.reward }))) ?? []);
  const correlations = prompts.flatMap((group) => {
    const rho = spearman(
      group.map((a) => a.result.reward),
      group.map((a) => a.score),
    ).spearman;
    return rho === null ? [] : [rho];
  });
  return {
    pairwise: { n_pairs: pairs.length, n_prompts: prompts.filter((g) => g.length > 1).length, accuracy: mean(pairs) },
    best_of_n: { n_prompts: gains.length, gain_share: mean(gains) },
    spearman: { n_prompts: correlations.length, mean: mean(correlations) },
    shorter_better: { n_pairs: shorter.length, accuracy: mean(shorter) },
    length_spearman: lengthSpearman(answers.map((a) => ({ row: a.row, value: a.result.reward }))),
  };
}

/** The chosen answer's gain over the mean as a share of the best answer's; null when all scores are equal. */
export function bestOfNGain(answers: readonly { score: number; reward: number }[]): number | null {
  const scores = answers.map((a) => a.score);
  const average = mean(scores) as number;
  const best = Math.max(...scores);
  if (answers.length < 2 || best - average <= 1e-12) return null;
  const top = Math.max(...answers.map((a) => a.reward));
  const chosen = mean(answers.filter((a) => a.reward === top).map((a) => a.score)) as number;
  return (chosen - average) / (best - average);
}

function criterionAgreement(answers: readonly { row: GradedExample; result: RewardScore }[]): CriterionAgreement {
  const judged = answers.flatMap(({ row, result }) =>
    row.verdicts.flatMap((v, i) => (v.criteria_met === null ? [] : [{ met: v.criteria_met, p: result.criteria?.[i] as number }])),
  );
  return { n: judged.length, ...binaryAgreement(judged), calibration: calibration(judged) };
}

/** Accuracy and macro F1 at threshold 0.5, and the AUC of p (ties counted half). */
export function binaryAgreement(judged: readonly { met: boolean; p: number }[]): Omit<CriterionAgreement, "n"> {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (const { met, p } of judged) {
    if (p >= 0.5) met ? tp++ : fp++;
    else met ? fn++ : tn++;
  }
  const f1 = (hit: number, falseHit: number, miss: number) => (hit === 0 ? 0 : (2 * hit) / (2 * hit + falseHit + miss));
  return {
    accuracy: (tp + tn) / Math.max(1, judged.length),
    macro_f1: (f1(tp, fp, fn) + f1(tn, fn, fp)) / 2,
    auc: auc(judged),
  };
}

/** Mann-Whitney AUC: the chance a met item gets a higher p than an unmet one. */
function auc(judged: readonly { met: boolean; p: number }[]): number | null {
  const sorted = [...judged].sort((a, b) => a.p - b.p);
  let rankSum = 0;
  let positives = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j]?.p === sorted[i]?.p) j++;
    const midRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) {
      if (sorted[k]?.met) {
        rankSum += midRank;
        positives++;
      }
    }
    i = j;
  }
  const negatives = sorted.length - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
