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
import { type AnswerCues, stems } from "./answer-cues.js";
import { termLength } from "./length-term.js";
import { hashFeature, type SparseVector, sigmoid } from "./logistic.js";
import { type WordAxis, type WordWeights, weightedWords, wordCover } from "./word-evidence.js";

export const HEAD_BUCKETS = 1 << 16;
export const HEADS_FORMAT = "medrubric-heads/1";

const NEGATION =
  /^(?:does not|doesn'?t|do not|fails? to|not |never |avoids?|omits?|neglects?|without)|\b(?:fails? to|does not|doesn'?t)\b/i;
/** Words too common in criteria to mean anything alone. */
const STOP = new Set(["the", "a", "an", "of", "to", "and", "or", "in", "for", "that", "with", "on", "is", "be", "as", "user", "response"]);

/** Which evidence a criterion head reads: all of it, or only the criterion itself (the baseline). */
export type CriterionEvidence = "full" | "criterion-only";

/**
 * Feature slots and criteria recur across answers (the same criteria, the same words): what is read
 * of them is kept, up to a bound, so scoring an answer builds no feature name and hashes nothing it
 * has seen before.
 */
const CACHE_LIMIT = 200_000;
const slotOf = (name: string) => hashFeature(name, HEAD_BUCKETS);

/** The slots of one kind of keyed feature (`as:` and a stem) by key. */
const keyedSlots = (kind: string) => memo((key: string) => slotOf(`${kind}${key}`), CACHE_LIMIT);

/**
 * Where features go: a sparse vector (a training row), or at scoring straight into the dot product
 * with a head's weights, in the same order, so the sum is the same to the last bit (dotSparse's).
 * A feature is kept only when it says something: non-zero and finite.
 */
interface FeatureSink {
  add(slot: number, value: number): void;
}

class VectorSink implements FeatureSink {
  readonly x: SparseVector = { index: [], value: [] };
  add(slot: number, value: number): void {
    if (value !== 0 && Number.isFinite(value)) {
      this.x.index.push(slot);
      this.x.value.push(value);
    }
  }
}

class DotSink implements FeatureSink {
  sum = 0;
  constructor(private readonly weights: ArrayLike<number>) {}
  add(slot: number, value: number): void {
    if (value !== 0 && Number.isFinite(value)) this.sum += (this.weights[slot] as number) * value;
  }
}

/** What both heads read of the answer, in order: its length and layout, its relevance to the prompt, and degenerate cues. */
const CUE_FEATURES: readonly [string, (c: AnswerCues) => number][] = [
  ["length", (c) => c.logChars],
  ["length2", (c) => c.logChars * c.logChars],
  ["letters", (c) => c.logLetters],
  ["lists", (c) => c.lists],
  ["headings", (c) => c.headings],
  ["questions", (c) => c.questions],
  ["paragraphs", (c) => c.paragraphs],
  ["repetition", (c) => c.repetition],
  ["prompt_recall", (c) => c.promptRecall],
  ["prompt_recall_x_length", (c) => c.promptRecall * c.logChars],
  ["in_prompt", (c) => c.inPrompt],
  ["relevance", (c) => c.relevance],
  ["relevance_x_length", (c) => c.relevance * c.logChars],
  ["degenerate", (c) => (c.degenerate ? 1 : 0)],
  ["refusal", (c) => (c.refusal ? 1 : 0)],
  ["urgent", (c) => c.urgent],
  ["dismissed", (c) => c.dismissed],
];

/** The cue features' slots under a prefix ("+", "-", "a"). */
const cueSlots = memo((prefix: string) => CUE_FEATURES.map(([name]) => slotOf(`${prefix}${name}`)));

function addCues(sink: FeatureSink, slots: readonly number[], c: AnswerCues): void {
  CUE_FEATURES.forEach(([, value], i) => {
    sink.add(slots[i] as number, value(c));
  });
}

/** Each of `slots` with weight 1/sqrt(n), so a long criterion does not outvote a short one. */
function addBag(sink: FeatureSink, slots: readonly number[]): void {
  const scale = 1 / Math.sqrt(Math.max(1, slots.length));
  for (const slot of slots) sink.add(slot, scale);
}

/** Distinct content stems of a criterion. */
const criterionStems = (text: string) => [...new Set(stems(text))].filter((s) => !STOP.has(s) && s.length > 2);

/** What a criterion head reads of a criterion alone, once per criterion: its own features and the slots of those it reads against an answer. */
interface CriterionPlan {
  /** The criterion's own features (bias, points, negation, words, tags, first word). */
  own: SparseVector;
  /** Its distinct content stems, weighted (read once). */
  stems: WordAxis;
  /** `hit:` slot of each stem. */
  hits: number[];
  /** `length|` slot of each tag, and what the length is divided by. */
  tagLengths: number[];
  tagScale: number;
  /** Slots of length|first, relevance|first, recall, recall_affirmed, help|urgent, help|dismissed, recall2, recall_plain, recall_x_length. */
  slots: number[];
  cues: readonly number[];
  aboutHelp: number;
}

function criterionPlan(item: RequestCriterion, weights: WordWeights): CriterionPlan {
  const prefix = item.points > 0 ? "+" : "-";
  const slot = (name: string) => slotOf(`${prefix}${name}`);
  const own = criterionStems(item.criterion);
  const tags = item.tags ?? [];
  const kind = `${own[0] ?? ""}`;
  const sink = new VectorSink();
  sink.add(slot("bias"), 1);
  sink.add(slot("points"), Math.min(Math.abs(item.points), 10) / 10);
  sink.add(slot("negation"), NEGATION.test(item.criterion.trim()) ? 1 : 0);
  sink.add(slot("words"), Math.log1p(own.length));
  addBag(
    sink,
    own.map((s) => slot(`w:${s}`)),
  );
  addBag(
    sink,
    tags.map((t) => slot(`t:${t}`)),
  );
  sink.add(slot(`first:${kind}`), 1);
  return {
    own: sink.x,
    stems: weightedWords(own, weights),
    hits: own.map((s) => slot(`hit:${s}`)),
    tagLengths: tags.map((t) => slot(`length|${t}`)),
    tagScale: Math.sqrt(tags.length),
    slots: [
      `length|first:${kind}`,
      `relevance|first:${kind}`,
      "recall",
      "recall_affirmed",
      "help|urgent",
      "help|dismissed",
      "recall2",
      "recall_plain",
      "recall_x_length",
    ].map(slot),
    cues: cueSlots(prefix),
    aboutHelp: aboutUrgentHelp(item.criterion) ? 1 : 0,
  };
}

/**
 * Plans by criterion text, then points and tags (compared, not joined into a key: a lookup builds
 * no string), per stem weights (a model's); dropped all at once at PLAN_LIMIT plans (a plan of a
 * HealthBench criterion is about 1.7 kB: a server's cache stays under about 35 MB; with more
 * distinct criteria in turn than that, plans are built again, as every pair built its features before).
 */
interface PlanCache {
  byText: Map<string, { points: number; tags: readonly string[]; plan: CriterionPlan }[]>;
  size: number;
}
const planCaches = new WeakMap<WordWeights, PlanCache>();
const PLAN_LIMIT = 20_000;

const sameTags = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((t, i) => t === b[i]);

function planOf(item: RequestCriterion, weights: WordWeights): CriterionPlan {
  let cache = planCaches.get(weights);
  if (!cache) {
    cache = { byText: new Map(), size: 0 };
    planCaches.set(weights, cache);
  }
  const tags = item.tags ?? [];
  let entries = cache.byText.get(item.criterion);
  const found = entries?.find((e) => e.points === item.points && sameTags(e.tags, tags));
  if (found) return found.plan;
  if (cache.size >= PLAN_LIMIT) {
    cache.byText.clear();
    cache.size = 0;
    entries = undefined;
  }
  const plan = criterionPlan(item, weights);
  const entry = { points: item.points, tags: [...tags], plan };
  if (entries) entries.push(entry);
  else cache.byText.set(item.criterion, [entry]);
  cache.size++;
  return plan;
}

/** The features of a criterion read against an answer, into `sink`. */
function addCriterionFeatures(sink: FeatureSink, plan: CriterionPlan, cues: AnswerCues, evidence: CriterionEvidence): void {
  const { own } = plan;
  for (let i = 0; i < own.index.length; i++) sink.add(own.index[i] as number, own.value[i] as number);
  if (evidence === "criterion-only") return;
  // How the answer's length and relevance matter depends on the kind of criterion (its tags, its first word).
  for (const slot of plan.tagLengths) sink.add(slot, cues.logChars / plan.tagScale);
  const [lengthFirst, relevanceFirst, recallSlot, affirmedSlot, urgentSlot, dismissedSlot, recall2Slot, plainSlot, lengthSlot] =
    plan.slots as [number, number, number, number, number, number, number, number, number];
  sink.add(lengthFirst, cues.logChars);
  sink.add(relevanceFirst, cues.relevance);
  const hits: number[] = [];
  plan.stems.words.forEach((s, i) => {
    if (cues.stems.has(s)) hits.push(plan.hits[i] as number);
  });
  const recall = wordCover(plan.stems, cues.stems);
  const n = plan.stems.words.length;
  // A criterion about urgent help reads whether the answer gives it or dismisses it.
  sink.add(recallSlot, recall);
  sink.add(affirmedSlot, wordCover(plan.stems, cues.affirmed));
  sink.add(urgentSlot, plan.aboutHelp * cues.urgent);
  sink.add(dismissedSlot, plan.aboutHelp * cues.dismissed);
  sink.add(recall2Slot, recall * recall);
  sink.add(plainSlot, n > 0 ? hits.length / n : 0);
  sink.add(lengthSlot, recall * cues.logChars);
  addBag(sink, hits);
  addCues(sink, plan.cues, cues);
}

/** Features of one criterion read against one answer; positive and negative criteria get separate weights. */
export function criterionFeatures(
  item: RequestCriterion,
  cues: AnswerCues,
  weights: WordWeights,
  evidence: CriterionEvidence = "full",
): SparseVector {
  const sink = new VectorSink();
  addCriterionFeatures(sink, planOf(item, weights), cues, evidence);
  return sink.x;
}

const stemSlots = keyedSlots("as:");
const negatedSlots = keyedSlots("an:");

/**
 * Features of an answer for the reward without a rubric (no bias: only differences within a
 * prompt matter): its cues, its stems, and apart the stems it only uses in negating clauses.
 */
function addAnswerFeatures(sink: FeatureSink, cues: AnswerCues): void {
  addCues(sink, cueSlots("a"), cues);
  const all: number[] = [];
  const negated: number[] = [];
  for (const s of cues.stems) {
    all.push(stemSlots(s));
    if (!cues.affirmed.has(s)) negated.push(negatedSlots(s));
  }
  addBag(sink, all);
  addBag(sink, negated);
}

export function answerFeatures(cues: AnswerCues): SparseVector {
  const sink = new VectorSink();
  addAnswerFeatures(sink, cues);
  return sink.x;
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
        ? (item, cues, g) => {
            const sink = new DotSink(cw);
            addCriterionFeatures(sink, planOf(item, weights), cues, "full");
            return stacked(item.points > 0 ? criterion.positive : criterion.negative, sink.sum, g);
          }
        : null,
    answer:
      answer && aw
        ? (cues, g) => {
            const sink = new DotSink(aw);
            addAnswerFeatures(sink, cues);
            return stacked(answer.stack, sink.sum, g, file.length.answer * termLength(cues));
          }
        : null,
    rubricLength: file.length.rubric,
    rubricSafety: file.rubric_safety,
  };
}
