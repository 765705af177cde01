/**
 * The training signal, derived once from the training data and read by both learners: the GPRC
 * network (training-set.ts turns it into groups of rows) and the reward heads (head-training.ts
 * turns it into answers and pairs). One prompt per entry, keyed as every validation split is:
 *
 * - graded answers with the grader's verdicts, and preference pairs between answers whose rubric
 *   scores differ by at least `minGap`;
 * - physician rows (groups PHYSICIAN_GROUPS, with at least one reference answer): the ideal
 *   answer over each distinct reference answer;
 * - units: a good, a medium and a poor answer to a question along one dimension (good over
 *   medium over poor), each distinct answer once (not edited: they differ in one dimension by design);
 * - advice contrasts (advice-edits.ts, TRAINING_EDITS) of each real answer that gives urgent
 *   advice: the answer over its copy with that advice dismissed, negated or swapped for filler at
 *   the same length, and the urgent advice alone (short, right) over that copy (long, wrong). The
 *   copy's verdicts are the original's, except that criteria about urgent help turn: a positive
 *   one is no longer met, a negative one ("fails to advise...") is; the urgent advice alone meets
 *   the positive criteria about urgent help and no other positive one;
 * - degenerate answers (degenerate-answers.ts): another prompt's answer, and
 *   DEGENERATES_PER_PROMPT contentless kinds in turn, below every real answer of the prompt,
 *   their positive criteria unmet.
 */
import type { ChatMessage, RubricItem } from "../core/types.js";
import { completionText, type GradedExample, gradedPromptKey, type HealthBenchExample } from "../healthbench/schema.js";
import { type ExampleMetrics, tryExampleMetrics } from "../healthbench/scoring.js";
import type { Unit } from "../synth/unit.js";
import { aboutUrgentHelp, type EditKind, editAdvice, TRAINING_EDITS } from "./advice-edits.js";
import { promptText } from "./answer-parts.js";
import { DEGENERATE_KINDS, degenerateAnswers } from "./degenerate-answers.js";

export interface TrainingData {
  units?: readonly Unit[];
  graded?: readonly GradedExample[];
  healthbench?: readonly HealthBenchExample[];
}

/** Where an answer came from: the data, or made for training from it. */
export type AnswerOrigin = "real" | "degenerate" | "contrast";

export interface SignalAnswer {
  text: string;
  origin: AnswerOrigin;
  /** The rubric its verdicts are in the order of (graded rows list a prompt's rubric in any order); absent: the prompt's. */
  rubrics?: readonly RubricItem[];
  /** The grader's verdict per rubric item (derived for made answers); null: not known. */
  verdicts?: (boolean | null)[];
  /** HealthBench's metrics from the verdicts (real graded answers): the score and per-axis scores. */
  metrics?: ExampleMetrics | null;
  /** Weight of the answer's rows in the heads' fits. */
  weight: number;
}

export interface SignalPair {
  better: number;
  worse: number;
  /** A pair of real answers (what validation measures), or one with an answer made for training. */
  made: boolean;
}

export interface SignalPrompt {
  key: string;
  prompt: readonly ChatMessage[];
  /** The rubric every answer is read along (graded and physician prompts). */
  rubrics?: readonly RubricItem[];
  /** Whether the verdicts come from a grader (so made answers' verdicts calibrate the same criteria). */
  judged: boolean;
  answers: SignalAnswer[];
  pairs: SignalPair[];
  /** Units of the question, as answer indices (units prompts only). */
  units: { good: number; medium: number; poor: number; dimension: string; id: string }[];
}

/** Contentless degenerate answers per prompt, cycling through the kinds from prompt to prompt. */
export const DEGENERATES_PER_PROMPT = 3;
const CONTENTLESS = DEGENERATE_KINDS.filter((kind) => kind !== "other_question");
/**
 * Weight of a contentless answer's rows in the heads: it teaches the degenerate cues without
 * swamping the length and layout weights. An answer to another question looks like a real
 * answer, so it weighs as one.
 */
const DEGENERATE_WEIGHT = 0.5;
const EDIT_KINDS: readonly EditKind[] = ["dismissed", "negated", "filler"];

/** The prompt keys of physician rows and units (graded answers: gradedPromptKey): the unit of every validation split. */
export const physicianKey = (example: { prompt_id: string }) => `healthbench:${example.prompt_id}`;
export const unitKey = (prompt: readonly ChatMessage[]) => `units:${promptText(prompt)}`;

/**
 * The ideal-completion groups whose pairs are trained on. In Groups 1 and 2 physicians wrote the
 * ideal answer seeing no reference or references from 2024 models, and improved on them; in
 * Group 3 the references came from April 2025 models, which HealthBench's physicians could rarely
 * improve, so "ideal beats reference" is no reliable label there. Rows without a group are used.
 */
export const PHYSICIAN_GROUPS = new Set(["Group 1", "Group 2", undefined]);

/** Rows of one prompt: same prompt id and same conversation. */
export function byPrompt<T extends { prompt_id: string; prompt: readonly ChatMessage[] }>(rows: readonly T[]): T[][] {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const key = gradedPromptKey(row);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return [...groups.values()];
}

class PromptBuilder {
  readonly entry: SignalPrompt;
  constructor(key: string, prompt: readonly ChatMessage[], rubrics: readonly RubricItem[] | undefined, judged: boolean) {
    this.entry = { key, prompt, rubrics, judged, answers: [], pairs: [], units: [] };
  }
  add(answer: SignalAnswer): number {
    return this.entry.answers.push(answer) - 1;
  }
  prefer(better: number, worse: number): void {
    const made = this.entry.answers[better]?.origin !== "real" || this.entry.answers[worse]?.origin !== "real";
    this.entry.pairs.push({ better, worse, made });
  }
  real(): number[] {
    return this.entry.answers.flatMap((a, i) => (a.origin === "real" ? [i] : []));
  }
}

/** Advice contrasts of answer `index` (see the module comment); `n` picks the edit kind and sentences. */
function addContrasts(builder: PromptBuilder, index: number, n: number): void {
  const original = builder.entry.answers[index] as SignalAnswer;
  const kind = EDIT_KINDS[n % EDIT_KINDS.length] as EditKind;
  const edit = editAdvice(original.text, kind, TRAINING_EDITS, n);
  if (!edit) return;
  const rubrics = original.rubrics ?? builder.entry.rubrics;
  // A copy that now tells the reader to stay home may fail criteria no rule can name: only filler keeps the other verdicts.
  const kept = (met: boolean | null) => (kind === "filler" ? met : null);
  const turned = original.verdicts?.map((met, j) => {
    const item = rubrics?.[j] as RubricItem;
    return aboutUrgentHelp(item.criterion) ? item.points < 0 : kept(met);
  });
  const alone = rubrics?.map((item) => (item.points > 0 ? aboutUrgentHelp(item.criterion) : null));
  const weight = original.weight;
  const copy = builder.add({ text: edit.edited, origin: "contrast", rubrics, verdicts: turned, weight });
  const urgent = builder.add({
    text: edit.urgent,
    origin: "contrast",
    rubrics,
    verdicts: builder.entry.judged ? alone : undefined,
    weight,
  });
  builder.prefer(index, copy);
  builder.prefer(urgent, copy);
}

/**
 * Degenerate answers to the prompt, below each real answer: another prompt's answer (`other`)
 * always, it looks like a real one and only its topic gives it away; of the contentless kinds,
 * DEGENERATES_PER_PROMPT in turn.
 */
function addDegenerates(builder: PromptBuilder, index: number, other: string | undefined): void {
  const real = builder.real();
  const [otherAnswer, ...contentless] = [
    ...degenerateAnswers(builder.entry.prompt, other).filter((d) => d.kind === "other_question"),
    ...CONTENTLESS.map((kind) => degenerateAnswers(builder.entry.prompt).find((d) => d.kind === kind)),
  ];
  const picked = [
    otherAnswer,
    ...Array.from({ length: DEGENERATES_PER_PROMPT }, (_, k) => contentless[(index * DEGENERATES_PER_PROMPT + k) % contentless.length]),
  ];
  const verdicts = builder.entry.judged ? builder.entry.rubrics?.map((item) => (item.points > 0 ? false : null)) : undefined;
  for (const made of picked) {
    if (!made) continue;
    // Positive criteria unmet; a negative one may or may not be (an empty answer "fails to advise"), so it is left unknown.
    const weight = made.kind === "other_question" ? 1 : DEGENERATE_WEIGHT;
    const worse = builder.add({ text: made.text, origin: "degenerate", verdicts, weight });
    for (const better of real) builder.prefer(better, worse);
  }
}

function gradedPrompt(rows: readonly GradedExample[], minGap: number): PromptBuilder {
  const first = rows[0] as GradedExample;
  const builder = new PromptBuilder(gradedPromptKey(first), first.prompt, first.rubrics, true);
  const scored = rows.map((row) => {
    const verdicts = row.verdicts.map((v) => v.criteria_met);
    const metrics = tryExampleMetrics(row, verdicts);
    const answer = { text: completionText(row.completion), origin: "real" as const, rubrics: row.rubrics, verdicts, metrics, weight: 1 };
    return { index: builder.add(answer), metrics };
  });
  scored.forEach((a, i) => {
    for (const b of scored.slice(i + 1)) {
      const [sa, sb] = [a.metrics?.overall_score, b.metrics?.overall_score];
      if (sa === undefined || sb === undefined || Math.abs(sa - sb) < minGap) continue;
      if (sa > sb) builder.prefer(a.index, b.index);
      else builder.prefer(b.index, a.index);
    }
  });
  return builder;
}

function physicianPrompt(example: HealthBenchExample): PromptBuilder | null {
  const data = example.ideal_completions_data;
  if (!data || !PHYSICIAN_GROUPS.has(data.ideal_completions_group)) return null;
  const references = [...new Set(data.ideal_completions_ref_completions)].filter((r) => r !== data.ideal_completion);
  if (references.length === 0) return null;
  const builder = new PromptBuilder(physicianKey(example), example.prompt, example.rubrics, false);
  const ideal = builder.add({ text: data.ideal_completion, origin: "real", weight: 1 });
  for (const reference of references) builder.prefer(ideal, builder.add({ text: reference, origin: "real", weight: 1 }));
  return builder;
}

function unitPrompt(units: readonly Unit[]): PromptBuilder {
  const builder = new PromptBuilder(unitKey((units[0] as Unit).prompt), (units[0] as Unit).prompt, undefined, false);
  const seen = new Map<string, number>();
  const answer = (text: string) => seen.get(text) ?? (seen.set(text, builder.add({ text, origin: "real", weight: 1 })).get(text) as number);
  for (const unit of units) {
    const [good, medium, poor] = [unit.good, unit.medium, unit.poor].map(answer) as [number, number, number];
    builder.prefer(good, medium);
    builder.prefer(medium, poor);
    builder.entry.units.push({ good, medium, poor, dimension: unit.dimension, id: unit.id });
  }
  return builder;
}

/**
 * The training signal of `data`: graded prompts, then physician rows, then units (the order of
 * the network's groups); `made: false` leaves out the answers made for training.
 */
export function trainingSignal(data: TrainingData, minGap: number, { made = true } = {}): SignalPrompt[] {
  const builders = [
    ...byPrompt(data.graded ?? []).map((rows) => gradedPrompt(rows, minGap)),
    ...(data.healthbench ?? []).flatMap((e) => physicianPrompt(e) ?? []),
    ...byPrompt((data.units ?? []).map((u) => ({ ...u, prompt_id: "" }))).map(unitPrompt),
  ];
  let contrasts = 0;
  if (made)
    builders.forEach((builder, i) => {
      // Units differ in one dimension by design: their answers are not edited.
      if (builder.entry.units.length === 0) for (const index of builder.real()) addContrasts(builder, index, contrasts++);
      const other = builders[(i + 1) % builders.length]?.entry;
      const otherAnswer = other && other !== builder.entry ? other.answers[0]?.text : undefined;
      addDegenerates(builder, i, otherAnswer);
    });
  return builders.map((b) => b.entry);
}
