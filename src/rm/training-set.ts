/**
 * From training data to training groups: one group per prompt, holding what the network reads
 * (the prompt, its answers as parts, rows of an answer along an axis text) and the signal on it:
 *
 * - graded answers (`medrubric grade` output, HealthBench judged responses, simple-evals runs):
 *   one row per criterion with the grader's verdict as target; preference pairs between answers
 *   to the same prompt whose rubric scores differ by at least `minGap`; criterion pairs (an
 *   answer that meets a criterion and one that does not) for the axis loss; and, where items carry
 *   `axis:` tags, each mapped dimension's target, the answer's score on that axis;
 * - HealthBench rows with ideal completions: the physician's ideal answer preferred to each
 *   reference answer the physician saw, both read along the row's rubric;
 * - both kinds: every preference pair also acts on the reward without a rubric, the mean
 *   calibrated score over a seeded subset of the standard's dimensions (the same subset for every
 *   answer to the prompt), so the dimensions learn what the grader and the physicians prefer; and
 *   degenerate answers (degenerate-answers.ts) rank below every real answer on both rewards and,
 *   along each of those dimensions, below the prompt's best answer;
 * - units: a good, a medium and a poor answer along one dimension (targets 1, 0.5, 0), each also
 *   read along every other dimension for the invariance loss.
 *
 * Every distinct text is embedded once by the encoder.
 */
import { InputError } from "../core/errors.js";
import { memo } from "../core/memo.js";
import { seededShuffle } from "../core/random.js";
import type { ChatMessage, Encoder, RubricItem } from "../core/types.js";
import { completionText, type GradedExample, gradedPromptKey, type HealthBenchExample } from "../healthbench/schema.js";
import { type ExampleMetrics, tryExampleMetrics } from "../healthbench/scoring.js";
import type { Standard } from "../standards/schema.js";
import type { Unit } from "../synth/unit.js";
import { answerParts, promptText, readLength } from "./answer-parts.js";
import { degenerateAnswers } from "./degenerate-answers.js";
import { DIMENSION_GROUP_OFFSET } from "./gprc-network.js";
import { criterionGroup } from "./gprc-reward-model.js";
import { type AxisRow, type Reading, TextTable } from "./reading-batch.js";
import { buildVocabulary, type Vocabulary, type WordAxis, wordAxis, wordCover, words, wordWeights } from "./word-evidence.js";

/** A score computed from rows: sum of points x P(met) over `positive`, the rubric's positive points. */
export interface ScoreSet {
  rows: number[];
  points: number[];
  positive: number;
}

export interface UnitRows {
  good: number;
  medium: number;
  poor: number;
  /** Rows of the good and the poor answer on every dimension, own dimension included, in the standard's order. */
  goodAll: number[];
  poorAll: number[];
  dimension: number;
}

export interface TrainingGroup extends Reading {
  /** Calibrated-score targets in [0, 1] (verdicts, axis scores, unit levels). */
  targets: { row: number; target: number }[];
  scoreSets: ScoreSet[];
  /** Indices into scoreSets: `better` should score above `worse`. */
  pairs: { better: number; worse: number; degenerate?: true }[];
  /** Rows of one criterion: the answer that meets it and one that does not. */
  axisPairs: { met: number; unmet: number }[];
  units: UnitRows[];
}

export interface TrainingSet {
  groups: TrainingGroup[];
  /** The prompt key of each group (the unit of the validation split, shared with the heads' data). */
  keys: string[];
  /** Document frequencies of the training answers' words, for the word cover. */
  vocabulary: Vocabulary;
  /** E(text) by text id. */
  vectors: Float32Array[];
  /** The id of each text. */
  textIds: ReadonlyMap<string, number>;
  /** Calibration groups: the two criterion signs, then one per dimension. */
  groupCount: number;
  descriptions: Float32Array[];
  counts: TrainingCounts;
}

export interface TrainingCounts {
  prompts: number;
  answers: number;
  verdicts: number;
  pairs: number;
  physician_pairs: number;
  axis_targets: number;
  units: number;
  degenerate_answers: number;
}

export interface TrainingData {
  units?: readonly Unit[];
  graded?: readonly GradedExample[];
  healthbench?: readonly HealthBenchExample[];
}

export interface BuildOptions {
  /** Smallest rubric-score gap of a preference pair between graded answers. */
  minGap: number;
  maxParts?: number;
  /** Dimensions per prompt that preference pairs act on without a rubric (default PAIR_DIMENSIONS). */
  pairDimensions?: number;
}

/**
 * Dimensions per prompt along which graded and physician answers are also read: six of the
 * standard's, chosen per prompt, cost half again the rows of a graded answer (about twelve
 * criteria), where all of them would triple it.
 */
export const PAIR_DIMENSIONS = 6;
/** Degenerate answers per prompt, cycling through the kinds from prompt to prompt. */
const DEGENERATES_PER_PROMPT = 2;

interface BuildContext {
  texts: TextTable;
  /** Dimensions each prompt's answers are read along for the reward without a rubric. */
  pairDimensions: number;
  /** What was derived, counted as it is built (real answers and pairs, not the rows that read them). */
  counts: TrainingCounts;
  /** An axis text's words and weights, computed once per text (a criterion recurs with every answer to its prompt). */
  axisWords: (text: string) => WordAxis;
  maxParts: number | undefined;
  standard: Standard;
  minGap: number;
}

/** One group under construction: adds answers and rows with local indices. */
class GroupBuilder {
  readonly group: TrainingGroup = { prompts: [], answers: [], rows: [], targets: [], scoreSets: [], pairs: [], axisPairs: [], units: [] };
  private readonly answerWords: Set<string>[] = [];
  constructor(
    readonly context: BuildContext,
    readonly prompt: readonly ChatMessage[],
  ) {
    this.group.prompts.push(context.texts.id(promptText(prompt)));
  }
  answer(text: string): number {
    const parts = answerParts(text, this.context.maxParts);
    this.group.answers.push({ prompt: 0, parts: parts.map((part) => this.context.texts.id(part)), length: readLength(parts) });
    this.answerWords.push(new Set(parts.flatMap(words)));
    return this.group.answers.length - 1;
  }
  row(answer: number, axisText: string, group: number, target?: number): number {
    const cover = wordCover(this.context.axisWords(axisText), this.answerWords[answer] as Set<string>);
    const row: AxisRow = { answer, axis: this.context.texts.id(axisText), group, cover };
    this.group.rows.push(row);
    const index = this.group.rows.length - 1;
    if (target !== undefined) this.group.targets.push({ row: index, target });
    return index;
  }
  /** The answer read along `dimensions` (indices into the standard): a score set of equal weights, the reward without a rubric. */
  dimensionSet(answer: number, dimensions: readonly number[]): number {
    const all = this.context.standard.dimensions;
    const rows = dimensions.map((i) =>
      this.row(answer, (all[i] as Standard["dimensions"][number]).description, DIMENSION_GROUP_OFFSET + i),
    );
    this.group.scoreSets.push({ rows, points: rows.map(() => 1), positive: rows.length });
    return this.group.scoreSets.length - 1;
  }
  scoreSet(answer: number, rubric: readonly RubricItem[], verdicts?: readonly (boolean | null)[]): number {
    const rows = rubric.map((item, i) => {
      const met = verdicts?.[i];
      return this.row(answer, item.criterion, criterionGroup(item), met === undefined || met === null ? undefined : met ? 1 : 0);
    });
    const positive = rubric.reduce((sum, item) => sum + Math.max(0, item.points), 0);
    this.group.scoreSets.push({ rows, points: rubric.map((item) => item.points), positive });
    return this.group.scoreSets.length - 1;
  }
}

/** The prompt keys of physician rows and units (graded answers: gradedPromptKey): the unit of every validation split. */
export const physicianKey = (example: { prompt_id: string }) => `healthbench:${example.prompt_id}`;
export const unitKey = (prompt: readonly ChatMessage[]) => `units:${promptText(prompt)}`;

/** Graded rows of one prompt: same prompt id and same conversation. */
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

function gradedGroup(rows: readonly GradedExample[], context: BuildContext, index: number): TrainingGroup {
  const builder = new GroupBuilder(context, (rows[0] as GradedExample).prompt);
  const dimensions = pairDimensionsOf(context, index);
  const scored = rows.map((row) => {
    const answer = builder.answer(completionText(row.completion));
    const met = row.verdicts.map((v) => v.criteria_met);
    context.counts.answers++;
    context.counts.verdicts += met.filter((v) => v !== null).length;
    const set = builder.scoreSet(answer, row.rubrics, met);
    // HealthBench's own metrics: the score, and per `axis:` tag the score of its items (failures left out).
    const metrics = tryExampleMetrics(row, met);
    if (metrics) addAxisTargets(builder, answer, metrics, context.standard);
    const score = metrics?.overall_score ?? null;
    const criteria = row.rubrics.map((item) => item.criterion);
    const dimensionSet = builder.dimensionSet(answer, dimensions);
    return { set, dimensionSet, score, rows: builder.group.scoreSets[set]?.rows ?? [], met, criteria };
  });
  scored.forEach((a, i) => {
    for (const b of scored.slice(i + 1)) {
      if (a.score === null || b.score === null || Math.abs(a.score - b.score) < context.minGap) continue;
      const [better, worse] = a.score > b.score ? [a, b] : [b, a];
      context.counts.pairs++;
      builder.group.pairs.push({ better: better.set, worse: worse.set }, { better: better.dimensionSet, worse: worse.dimensionSet });
    }
  });
  addAxisPairs(builder.group, scored);
  const best = scored.reduce((a, b) => ((b.score ?? -2) > (a.score ?? -2) ? b : a));
  addDegenerates(builder, (rows[0] as GradedExample).rubrics, dimensions, scored, best.dimensionSet, index, true);
  return builder.group;
}

/** A seeded subset of the standard's dimensions for the prompt of group `index`. */
function pairDimensionsOf(context: BuildContext, index: number): number[] {
  const all = context.standard.dimensions.map((_, i) => i);
  return seededShuffle(all, index).slice(0, Math.min(all.length, context.pairDimensions));
}

/**
 * Degenerate answers to the group's prompt, below every real answer on both rewards, their
 * positive criteria unmet (`judged`: where the group has the grader's verdicts), and along each
 * dimension below the best answer (an axis pair).
 */
function addDegenerates(
  builder: GroupBuilder,
  rubric: readonly RubricItem[] | undefined,
  dimensions: readonly number[],
  real: readonly { set?: number; dimensionSet: number }[],
  bestDimensionSet: number,
  index: number,
  judged: boolean,
): void {
  const kinds = degenerateAnswers(builder.prompt);
  for (let k = 0; k < DEGENERATES_PER_PROMPT; k++) {
    const { text } = kinds[(index * DEGENERATES_PER_PROMPT + k) % kinds.length] as (typeof kinds)[number];
    const answer = builder.answer(text);
    builder.context.counts.degenerate_answers++;
    const dimensionSet = builder.dimensionSet(answer, dimensions);
    // Positive criteria unmet, as targets only where the grader's verdicts calibrate the same criteria (graded prompts).
    const verdicts = judged ? rubric?.map((item) => (item.points > 0 ? false : null)) : undefined;
    const set = rubric ? builder.scoreSet(answer, rubric, verdicts) : undefined;
    for (const r of real) {
      builder.group.pairs.push({ better: r.dimensionSet, worse: dimensionSet, degenerate: true });
      if (set !== undefined && r.set !== undefined) builder.group.pairs.push({ better: r.set, worse: set, degenerate: true });
    }
    const sets = builder.group.scoreSets;
    (sets[bestDimensionSet] as ScoreSet).rows.forEach((met, j) => {
      builder.group.axisPairs.push({ met, unmet: (sets[dimensionSet] as ScoreSet).rows[j] as number });
    });
  }
}

/** Per criterion (by its text: answers list a rubric in any order), each answer that meets it paired with one that does not, cycling. */
function addAxisPairs(group: TrainingGroup, scored: { rows: number[]; met: (boolean | null)[]; criteria: string[] }[]): void {
  const byCriterion = new Map<string, { met: number[]; unmet: number[] }>();
  for (const answer of scored) {
    answer.criteria.forEach((criterion, i) => {
      const entry = byCriterion.get(criterion) ?? { met: [], unmet: [] };
      byCriterion.set(criterion, entry);
      if (answer.met[i] === true) entry.met.push(answer.rows[i] as number);
      if (answer.met[i] === false) entry.unmet.push(answer.rows[i] as number);
    });
  }
  for (const { met, unmet } of byCriterion.values()) {
    if (unmet.length === 0) continue;
    met.forEach((row, i) => {
      group.axisPairs.push({ met: row, unmet: unmet[i % unmet.length] as number });
    });
  }
}

/** Each dimension mapped to a HealthBench axis gets the answer's score on the items tagged with that axis. */
function addAxisTargets(builder: GroupBuilder, answer: number, metrics: ExampleMetrics, standard: Standard) {
  standard.dimensions.forEach((dimension, i) => {
    const score = dimension.healthbench_axis ? metrics[`axis:${dimension.healthbench_axis}`] : undefined;
    if (score === undefined) return;
    builder.row(answer, dimension.description, DIMENSION_GROUP_OFFSET + i, Math.min(1, Math.max(0, score)));
    builder.context.counts.axis_targets++;
  });
}

/**
 * The ideal-completion groups whose pairs are trained on. In Groups 1 and 2 physicians wrote the
 * ideal answer seeing no reference or references from 2024 models, and improved on them; in
 * Group 3 the references came from April 2025 models, which HealthBench's physicians could rarely
 * improve, so "ideal beats reference" is no reliable label there. Rows without a group are used.
 */
export const PHYSICIAN_GROUPS = new Set(["Group 1", "Group 2", undefined]);

/** The physician's ideal answer over each reference answer the physician saw, read along the row's rubric. */
function physicianGroup(example: HealthBenchExample, context: BuildContext, index: number): TrainingGroup | null {
  const data = example.ideal_completions_data;
  if (!data || data.ideal_completions_ref_completions.length === 0 || !PHYSICIAN_GROUPS.has(data.ideal_completions_group)) return null;
  const builder = new GroupBuilder(context, example.prompt);
  const dimensions = pairDimensionsOf(context, index);
  const read = (text: string) => {
    const answer = builder.answer(text);
    return { set: builder.scoreSet(answer, example.rubrics), dimensionSet: builder.dimensionSet(answer, dimensions) };
  };
  const ideal = read(data.ideal_completion);
  const references = data.ideal_completions_ref_completions.filter((r) => r !== data.ideal_completion).map(read);
  for (const reference of references) {
    builder.group.pairs.push({ better: ideal.set, worse: reference.set }, { better: ideal.dimensionSet, worse: reference.dimensionSet });
  }
  context.counts.answers += 1 + references.length;
  context.counts.physician_pairs += references.length;
  addDegenerates(builder, example.rubrics, dimensions, [ideal, ...references], ideal.dimensionSet, index, false);
  return builder.group;
}

/** Units of one question. */
function unitGroup(units: readonly Unit[], context: BuildContext): TrainingGroup {
  const { standard } = context;
  const builder = new GroupBuilder(context, (units[0] as Unit).prompt);
  const answers = new Map<string, number>();
  const answerOf = (text: string) => {
    if (!answers.has(text)) context.counts.answers++;
    return answers.get(text) ?? (answers.set(text, builder.answer(text)).get(text) as number);
  };
  for (const unit of units) {
    const dimension = standard.dimensions.findIndex((d) => d.id === unit.dimension);
    if (dimension < 0)
      throw new InputError({ field: `units[${unit.id}].dimension` }, `"${unit.dimension}" is not a dimension of the loaded standard`);
    const own = DIMENSION_GROUP_OFFSET + dimension;
    const description = (standard.dimensions[dimension] as Standard["dimensions"][number]).description;
    const [good, medium, poor] = ([unit.good, unit.medium, unit.poor] as const).map(answerOf) as [number, number, number];
    const everyDimension = (answer: number, target: number) =>
      standard.dimensions.map((d, j) =>
        builder.row(answer, d.description, DIMENSION_GROUP_OFFSET + j, j === dimension ? target : undefined),
      );
    const goodAll = everyDimension(good, 1);
    const poorAll = everyDimension(poor, 0);
    builder.group.units.push({
      good: goodAll[dimension] as number,
      medium: builder.row(medium, description, own, 0.5),
      poor: poorAll[dimension] as number,
      goodAll,
      poorAll,
      dimension,
    });
  }
  return builder.group;
}

export async function buildTrainingSet(
  data: TrainingData,
  standard: Standard,
  encoder: Encoder,
  options: BuildOptions,
): Promise<TrainingSet> {
  const texts = new TextTable();
  const vocabulary = buildVocabulary(trainingAnswers(data));
  const weights = wordWeights(vocabulary);
  const context: BuildContext = {
    texts,
    axisWords: memo((text: string) => wordAxis(text, weights)),
    maxParts: options.maxParts,
    pairDimensions: options.pairDimensions ?? PAIR_DIMENSIONS,
    counts: { prompts: 0, answers: 0, verdicts: 0, pairs: 0, physician_pairs: 0, axis_targets: 0, units: 0, degenerate_answers: 0 },
    standard,
    minGap: options.minGap,
  };
  const graded = byPrompt(data.graded ?? []);
  const gradedGroups = graded.map((rows, i) => gradedGroup(rows, context, i));
  const physician = (data.healthbench ?? []).flatMap((e, i) => {
    const group = physicianGroup(e, context, graded.length + i);
    return group ? [{ group, key: physicianKey(e) }] : [];
  });
  const physicianGroups = physician.map((p) => p.group);
  const units = byPrompt((data.units ?? []).map((u) => ({ ...u, prompt_id: "" })));
  const unitGroups = units.map((group) => unitGroup(group, context));
  const groups = [...gradedGroups, ...physicianGroups, ...unitGroups];
  const keys = [
    ...graded.map((rows) => gradedPromptKey(rows[0] as GradedExample)),
    ...physician.map((p) => p.key),
    ...units.map((group) => unitKey((group[0] as Unit).prompt)),
  ];
  const descriptionIds = standard.dimensions.map((d) => texts.id(d.description));
  const vectors = await encoder.embed([...texts.ids.keys()]);
  return {
    groups,
    keys,
    vectors,
    textIds: texts.ids,
    vocabulary,
    groupCount: DIMENSION_GROUP_OFFSET + standard.dimensions.length,
    descriptions: descriptionIds.map((id) => vectors[id] as Float32Array),
    counts: { ...context.counts, prompts: groups.length, units: unitGroups.reduce((n, g) => n + g.units.length, 0) },
  };
}

/** Every answer text of the training data: the documents of the word weights. */
function* trainingAnswers(data: TrainingData): Iterable<string> {
  for (const row of data.graded ?? []) yield completionText(row.completion);
  for (const example of data.healthbench ?? []) {
    const ideal = example.ideal_completions_data;
    if (ideal) yield* [ideal.ideal_completion, ...ideal.ideal_completions_ref_completions];
  }
  for (const unit of data.units ?? []) yield* [unit.good, unit.medium, unit.poor];
}

/** Several groups as one batch: every index shifted past the groups before it. */
export function mergeGroups(groups: readonly TrainingGroup[]): TrainingGroup {
  const merged: TrainingGroup = { prompts: [], answers: [], rows: [], targets: [], scoreSets: [], pairs: [], axisPairs: [], units: [] };
  for (const g of groups) {
    const [p, a, r, s] = [merged.prompts.length, merged.answers.length, merged.rows.length, merged.scoreSets.length];
    merged.prompts.push(...g.prompts);
    merged.answers.push(...g.answers.map((x) => ({ ...x, prompt: x.prompt + p })));
    merged.rows.push(...g.rows.map((x) => ({ ...x, answer: x.answer + a })));
    merged.targets.push(...g.targets.map((x) => ({ row: x.row + r, target: x.target })));
    merged.scoreSets.push(...g.scoreSets.map((x) => ({ ...x, rows: x.rows.map((i) => i + r) })));
    merged.pairs.push(...g.pairs.map((x) => ({ ...x, better: x.better + s, worse: x.worse + s })));
    merged.axisPairs.push(...g.axisPairs.map((x) => ({ met: x.met + r, unmet: x.unmet + r })));
    merged.units.push(
      ...g.units.map((u) => ({
        ...u,
        good: u.good + r,
        medium: u.medium + r,
        poor: u.poor + r,
        goodAll: u.goodAll.map((i) => i + r),
        poorAll: u.poorAll.map((i) => i + r),
      })),
    );
  }
  return merged;
}
