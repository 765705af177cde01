/**
 * Length under control: a reward fitted to rubric grades learns that longer answers score higher
 * (a grader rewards coverage, and coverage takes room), and leans on it far more than the grader
 * does. The length term is a coefficient k on the answer's log length, added to the reward and
 * fitted on the training answers so that the reward's within-prompt rank correlation with length
 * equals the grader's own on the same answers: the reward keeps the grader's taste for length and
 * no more. It only ever lowers the correlation: a reward already at or below the grader's keeps k = 0.
 */
import { spearman } from "../eval/score-batched.js";
import { type AnswerCues, LENGTH_SPAN } from "./answer-cues.js";

/**
 * What the term multiplies: the answer's clamped log length, or for a degenerate answer (an echo of
 * the question, a bare opener or refusal) the longest: a term that lowers the reward of long
 * answers must not raise that of answers that say nothing.
 */
export const termLength = (cues: AnswerCues) => (cues.degenerate ? LENGTH_SPAN : cues.logChars);

export interface LengthAnswers {
  /** Answers grouped by prompt, as indices into the arrays below. */
  prompts: readonly (readonly number[])[];
  /** The answer's characters (what the correlation is taken with). */
  length: readonly number[];
  /** What the term multiplies (termLength). */
  logLength: readonly number[];
}

/** The mean within-prompt Spearman of `values` with length, over prompts where it is defined (null: none). */
export function lengthCorrelation(answers: LengthAnswers, values: readonly number[]): number | null {
  const rhos = answers.prompts.flatMap((indices) => {
    const rho = spearman(
      indices.map((i) => values[i] as number),
      indices.map((i) => answers.length[i] as number),
    ).spearman;
    return rho === null ? [] : [rho];
  });
  return rhos.length === 0 ? null : rhos.reduce((a, b) => a + b, 0) / rhos.length;
}

/** Bisection steps: the correlation is monotone in k, and 40 halvings of the bracket give k to 1e-11. */
const STEPS = 40;
/** Widest coefficient searched, per unit of log length (a reward's logit, or a rubric score). */
const BRACKET = 50;

/**
 * The coefficient k for which `values + k * logLength` correlates with length within a prompt
 * as `grader` does (the grader's scores), and the correlations before and after.
 */
export function fitLengthTerm(
  answers: LengthAnswers,
  values: readonly number[],
  grader: readonly number[],
): { k: number; grader: number | null; before: number | null; after: number | null } {
  const target = lengthCorrelation(answers, grader);
  const before = lengthCorrelation(answers, values);
  if (target === null || before === null || before <= target) return { k: 0, grader: target, before, after: before };
  const at = (k: number) =>
    lengthCorrelation(
      answers,
      values.map((v, i) => v + k * (answers.logLength[i] as number)),
    ) as number;
  let [low, high] = [-BRACKET, 0];
  for (let step = 0; step < STEPS; step++) {
    const mid = (low + high) / 2;
    if (at(mid) > target) high = mid;
    else low = mid;
  }
  // `low` is the side at or below the grader's (ranks move in steps, so it may land a step below).
  return { k: low, grader: target, before, after: at(low) };
}
