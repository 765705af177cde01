/**
 * The reward heads: logistic models beside the GPRC network that read what the network cannot,
 * stacked with its output and calibrated on held-out prompts.
 *
 * - Criterion head, P(met): a criterion says much about itself (its points and sign, a negation
 *   such as "Fails to", its words and tags: some kinds are met by most answers, some by few), and
 *   the answer gives cheap evidence (the criterion's stems found in it, IDF-weighted; its length
 *   and layout; whether it is degenerate). Per sign, P(met) = sigmoid(a h + b g + c), h the head's
 *   logit, g the network's calibrated logit, (a, b, c) fitted on validation prompts (Platt scaling
 *   of the stack), so P(met) can be read as a probability.
 * - Answer head, the reward without a rubric: a Bradley-Terry model on answer cues (length,
 *   layout, how much of the prompt it speaks to, degenerate cues), trained on the preference pairs
 *   of graded answers, physician pairs, units and degenerate answers, and stacked with the logit
 *   of the network's dimension-weighted reward the same way.
 *
 * Text features are hashed into HEAD_BUCKETS slots, so a head is a fixed-size weight vector.
 */
import { z } from "zod";
import { memo } from "../core/memo.js";
import type { RequestCriterion } from "../core/types.js";
import { aboutUrgentHelp } from "./advice-edits.js";
import { type AnswerCues, stems, weightedShare } from "./answer-cues.js";
import { termLength } from "./length-term.js";
import { dotSparse, hashFeature, type SparseVector, sigmoid } from "./logistic.js";
import type { WordWeights } from "./word-evidence.js";

export const HEAD_BUCKETS = 1 << 16;
export const HEADS_FORMAT = "medrubric-heads/1";

const NEGATION =
  /^(?:does not|doesn'?t|do not|fails? to|not |never |avoids?|omits?|neglects?|without)|\b(?:fails? to|does not|doesn'?t)\b/i;
/** Words too common in criteria to mean anything alone. */
const STOP = new Set(["the", "a", "an", "of", "to", "and", "or", "in", "for", "that", "with", "on", "is", "be", "as", "user", "response"]);

/** Which evidence a criterion head reads: all of it, or only the criterion itself (the baseline). */
export type CriterionEvidence = "full" | "criterion-only";

/** Feature names and criteria recur across answers (the same criteria, the same words): their slots and stems are kept, up to a bound. */
const CACHE_LIMIT = 200_000;
const slotOf = memo((name: string) => hashFeature(name, HEAD_BUCKETS), CACHE_LIMIT);

class FeatureBuilder {
  readonly x: SparseVector = { index: [], value: [] };
  constructor(private readonly prefix: string) {}
  add(name: string, value: number): this {
    if (value !== 0 && Number.isFinite(value)) {
      this.x.index.push(slotOf(`${this.prefix}${name}`));
      this.x.value.push(value);
    }
    return this;
  }
  /** What both heads read of the answer: its length and layout, its relevance to the prompt, and degenerate cues. */
  cues(c: AnswerCues): this {
    return this.add("length", c.logChars)
      .add("length2", c.logChars * c.logChars)
      .add("letters", c.logLetters)
      .add("lists", c.lists)
      .add("headings", c.headings)
      .add("questions", c.questions)
      .add("paragraphs", c.paragraphs)
      .add("repetition", c.repetition)
      .add("prompt_recall", c.promptRecall)
      .add("prompt_recall_x_length", c.promptRecall * c.logChars)
      .add("in_prompt", c.inPrompt)
      .add("relevance", c.relevance)
      .add("relevance_x_length", c.relevance * c.logChars)
      .add("degenerate", c.degenerate ? 1 : 0)
      .add("refusal", c.refusal ? 1 : 0)
      .add("urgent", c.urgent)
      .add("dismissed", c.dismissed);
  }
  /** Each of `keys` with weight 1/sqrt(n), so a long criterion does not outvote a short one. */
  bag(kind: string, keys: readonly string[]): this {
    const scale = 1 / Math.sqrt(Math.max(1, keys.length));
    for (const key of keys) this.add(`${kind}:${key}`, scale);
    return this;
  }
}

/** Distinct content stems of a criterion. */
const criterionStems = memo((text: string) => [...new Set(stems(text))].filter((s) => !STOP.has(s) && s.length > 2), CACHE_LIMIT);

/** Features of one criterion read against one answer; positive and negative criteria get separate weights. */
export function criterionFeatures(
  item: RequestCriterion,
  cues: AnswerCues,
  weights: WordWeights,
  evidence: CriterionEvidence = "full",
): SparseVector {
  const f = new FeatureBuilder(item.points > 0 ? "+" : "-");
  const own = criterionStems(item.criterion);
  const tags = item.tags ?? [];
  const kind = `${own[0] ?? ""}`;
  f.add("bias", 1)
    .add("points", Math.min(Math.abs(item.points), 10) / 10)
    .add("negation", NEGATION.test(item.criterion.trim()) ? 1 : 0)
    .add("words", Math.log1p(own.length))
    .bag("w", own)
    .bag("t", tags)
    .add(`first:${kind}`, 1);
  if (evidence === "criterion-only") return f.x;
  // How the answer's length and relevance matter depends on the kind of criterion (its tags, its first word).
  for (const tag of tags) f.add(`length|${tag}`, cues.logChars / Math.sqrt(tags.length));
  f.add(`length|first:${kind}`, cues.logChars).add(`relevance|first:${kind}`, cues.relevance);
  const hits = own.filter((s) => cues.stems.has(s));
  const recall = weightedShare(own, cues.stems, weights);
  // A criterion about urgent help reads whether the answer gives it or dismisses it.
  const aboutHelp = criterionAboutHelp(item.criterion);
  return f
    .add("recall", recall)
    .add("recall_affirmed", weightedShare(own, cues.affirmed, weights))
    .add("help|urgent", aboutHelp * cues.urgent)
    .add("help|dismissed", aboutHelp * cues.dismissed)
    .add("recall2", recall * recall)
    .add("recall_plain", own.length > 0 ? hits.length / own.length : 0)
    .add("recall_x_length", recall * cues.logChars)
    .bag("hit", hits)
    .cues(cues).x;
}

const criterionAboutHelp = memo((text: string) => (aboutUrgentHelp(text) ? 1 : 0), CACHE_LIMIT);

/**
 * Features of an answer for the reward without a rubric (no bias: only differences within a
 * prompt matter): its cues, its stems, and apart the stems it only uses in negating clauses.
 */
export function answerFeatures(cues: AnswerCues): SparseVector {
  return new FeatureBuilder("a")
    .cues(cues)
    .bag("s", [...cues.stems])
    .bag(
      "n",
      [...cues.stems].filter((s) => !cues.affirmed.has(s)),
    ).x;
}

/** (a, b, c) of sigmoid(a h + b g + c). */
const stackSchema = z.tuple([z.number(), z.number(), z.number()]);
const weightsSchema = z.array(
  z.tuple([
    z
      .number()
      .int()
      .nonnegative()
      .max(HEAD_BUCKETS - 1),
    z.number(),
  ]),
);

/** heads.json in a model directory: one schema for its writer (training) and its reader (loading). */
export const headsSchema = z.object({
  format: z.literal(HEADS_FORMAT),
  criterion: z.object({ weights: weightsSchema, positive: stackSchema, negative: stackSchema, l2: z.number() }).nullable(),
  answer: z.object({ weights: weightsSchema, stack: stackSchema, l2: z.number() }).nullable(),
  /**
   * The length terms (length-term.ts): per unit of log length, added to the answer head's logit
   * (without a rubric) and to the expected rubric score (with one). Heads fitted before it have none.
   */
  length: z.object({ answer: z.number(), rubric: z.number() }).default({ answer: 0, rubric: 0 }),
  /**
   * The safety term of the reward with a rubric (head-training.ts RUBRIC_SAFETY): per unit of the
   * answer's safety evidence (rubricSafetyEvidence), added to the expected rubric score. Heads
   * fitted before it have none.
   */
  rubric_safety: z.number().default(0),
  /** What the heads were fitted and calibrated on, and how they did on the validation prompts. */
  fit: z.record(z.string(), z.union([z.number(), z.string(), z.null()])),
});
export type HeadsFile = z.infer<typeof headsSchema>;

/** Non-zero weights as [slot, weight] pairs (a head touches a few thousand of its slots). */
export const sparseWeights = (w: Float64Array): [number, number][] =>
  Array.from(w).flatMap((value, i): [number, number][] => (value === 0 ? [] : [[i, value]]));

function denseWeights(pairs: readonly [number, number][]): Float64Array {
  const w = new Float64Array(HEAD_BUCKETS);
  for (const [i, value] of pairs) w[i] = value;
  return w;
}

export interface RewardHeads {
  /** P(met) of a criterion given the answer's cues and the network's logit for it. */
  criterion: ((item: RequestCriterion, cues: AnswerCues, networkLogit: number) => number) | null;
  /** The reward without a rubric, from the answer's cues and the logit of the network's dimension reward (its length term in). */
  answer: ((cues: AnswerCues, networkLogit: number) => number) | null;
  /** The length term added to the expected rubric score, per unit of log length (length-term.ts termLength). */
  rubricLength: number;
  /** The safety term added to the expected rubric score: its weight times rubricSafetyEvidence. */
  rubricSafety: number;
}

/** What the rubric reward's safety term reads: urgent advice given, less urgent help dismissed (log counts of clauses). */
export const rubricSafetyEvidence = (cues: AnswerCues) => cues.urgent - cues.dismissed;

export function rewardHeads(file: HeadsFile, weights: WordWeights): RewardHeads {
  const { criterion, answer } = file;
  const stacked = (stack: readonly number[], h: number, g: number, extra = 0) =>
    sigmoid((stack[0] as number) * h + (stack[1] as number) * g + (stack[2] as number) + extra);
  const cw = criterion ? denseWeights(criterion.weights) : null;
  const aw = answer ? denseWeights(answer.weights) : null;
  return {
    criterion:
      criterion && cw
        ? (item, cues, g) =>
            stacked(item.points > 0 ? criterion.positive : criterion.negative, dotSparse(cw, criterionFeatures(item, cues, weights)), g)
        : null,
    answer:
      answer && aw
        ? (cues, g) => stacked(answer.stack, dotSparse(aw, answerFeatures(cues)), g, file.length.answer * termLength(cues))
        : null,
    rubricLength: file.length.rubric,
    rubricSafety: file.rubric_safety,
  };
}
