/**
 * From the training signal (training-signal.ts, derived once and read by the heads too) to
 * training groups: one group per prompt, holding what the network reads (the prompt, its answers
 * as parts, rows of an answer along an axis text) and the signal on it:
 *
 * - each answer of a prompt with a rubric (graded or physician) read along the rubric, with the
 *   grader's verdicts (derived ones for made answers) as targets, and for real graded answers
 *   with `axis:`-tagged items each mapped dimension's target, the answer's score on that axis;
 * - each preference pair acting on both rewards: the rubric score, and the reward without a
 *   rubric, the mean calibrated score over a seeded subset of the standard's dimensions (the same
 *   subset for every answer to the prompt), so the dimensions learn what the grader, the
 *   physicians and the advice contrasts prefer;
 * - criterion pairs (an answer that meets a criterion and one that does not) for the axis loss,
 *   and along each dimension the prompt's best answer over each degenerate answer;
 * - units: a good, a medium and a poor answer along one dimension (targets 1, 0.5, 0), each also
 *   read along every other dimension for the invariance loss.
 *
 * Every distinct text is embedded once by the encoder.
 */
import { InputError } from "../core/errors.js";
import { memo } from "../core/memo.js";
import { seededShuffle } from "../core/random.js";
import type { ChatMessage, Encoder, RubricItem } from "../core/types.js";
import type { ExampleMetrics } from "../healthbench/scoring.js";
import type { Standard } from "../standards/schema.js";
import { answerParts, promptText, readLength } from "./answer-parts.js";
import { DIMENSION_GROUP_OFFSET } from "./gprc-network.js";
import { criterionGroup } from "./gprc-reward-model.js";
import { type AxisRow, type Reading, TextTable } from "./reading-batch.js";
import type { SignalAnswer, SignalPrompt } from "./training-signal.js";
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
  /** Answers made from real ones by editing their advice (advice contrasts). */
  contrast_answers: number;
}

export interface BuildOptions {
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

function answerGroup(prompt: SignalPrompt, context: BuildContext, index: number): TrainingGroup {
  const builder = new GroupBuilder(context, prompt.prompt);
  const dimensions = pairDimensionsOf(context, index);
  const { counts } = context;
  const read = prompt.answers.map((a) => {
    const answer = builder.answer(a.text);
    const rubrics = a.rubrics ?? prompt.rubrics;
    const set = rubrics ? builder.scoreSet(answer, rubrics, a.verdicts) : undefined;
    // HealthBench's own metrics: per `axis:` tag the score of its items (failures left out).
    if (a.metrics) addAxisTargets(builder, answer, a.metrics, context.standard);
    if (a.origin === "real") {
      counts.answers++;
      counts.verdicts += (a.verdicts ?? []).filter((v) => v !== null && v !== undefined).length;
    } else counts[a.origin === "degenerate" ? "degenerate_answers" : "contrast_answers"]++;
    const rows = set === undefined ? [] : (builder.group.scoreSets[set] as ScoreSet).rows;
    return { set, dimensionSet: builder.dimensionSet(answer, dimensions), rows, answer: a };
  });
  for (const { better, worse, made } of prompt.pairs) {
    const [b, w] = [read[better], read[worse]] as [(typeof read)[number], (typeof read)[number]];
    if (!made) counts[prompt.judged ? "pairs" : "physician_pairs"]++;
    const flag = made ? { degenerate: true as const } : {};
    if (b.set !== undefined && w.set !== undefined) builder.group.pairs.push({ better: b.set, worse: w.set, ...flag });
    builder.group.pairs.push({ better: b.dimensionSet, worse: w.dimensionSet, ...flag });
  }
  addAxisPairs(
    builder.group,
    read.filter((r) => r.answer.origin !== "degenerate"),
    prompt.rubrics ?? [],
  );
  // Along each dimension the best real answer (the highest score; the physician's ideal is first) over each degenerate one.
  const real = read.filter((r) => r.answer.origin === "real");
  const best = real.reduce((a, b) => ((b.answer.metrics?.overall_score ?? -2) > (a.answer.metrics?.overall_score ?? -2) ? b : a));
  const sets = builder.group.scoreSets;
  for (const r of read.filter((x) => x.answer.origin === "degenerate")) {
    (sets[best.dimensionSet] as ScoreSet).rows.forEach((met, j) => {
      builder.group.axisPairs.push({ met, unmet: (sets[r.dimensionSet] as ScoreSet).rows[j] as number });
    });
  }
  return builder.group;
}

/** A seeded subset of the standard's dimensions for the prompt of group `index`. */
function pairDimensionsOf(context: BuildContext, index: number): number[] {
  const all = context.standard.dimensions.map((_, i) => i);
  return seededShuffle(all, index).slice(0, Math.min(all.length, context.pairDimensions));
}

/** Per criterion (by its text: answers list a rubric in any order), each answer that meets it paired with one that does not, cycling. */
function addAxisPairs(
  group: TrainingGroup,
  answers: readonly { rows: number[]; answer: SignalAnswer }[],
  promptRubric: readonly RubricItem[],
): void {
  const byCriterion = new Map<string, { met: number[]; unmet: number[] }>();
  for (const { rows, answer } of answers) {
    (answer.rubrics ?? promptRubric).forEach((item, i) => {
      const entry = byCriterion.get(item.criterion) ?? { met: [], unmet: [] };
      byCriterion.set(item.criterion, entry);
      if (answer.verdicts?.[i] === true) entry.met.push(rows[i] as number);
      if (answer.verdicts?.[i] === false) entry.unmet.push(rows[i] as number);
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

/** Units of one question. */
function unitGroup(prompt: SignalPrompt, context: BuildContext, index: number): TrainingGroup {
  const { standard } = context;
  const builder = new GroupBuilder(context, prompt.prompt);
  const answers = prompt.answers.map((a) => builder.answer(a.text));
  context.counts.answers += prompt.answers.filter((a) => a.origin === "real").length;
  context.counts.degenerate_answers += prompt.answers.filter((a) => a.origin === "degenerate").length;
  // Good, medium and poor are ordered by the ranking loss; the made answers' pairs act on the reward without a rubric.
  const dimensions = pairDimensionsOf(context, index);
  const dimensionSet = memo((answer: number) => builder.dimensionSet(answers[answer] as number, dimensions));
  for (const { better, worse } of prompt.pairs.filter((p) => p.made))
    builder.group.pairs.push({ better: dimensionSet(better), worse: dimensionSet(worse), degenerate: true });
  for (const unit of prompt.units) {
    const dimension = standard.dimensions.findIndex((d) => d.id === unit.dimension);
    if (dimension < 0)
      throw new InputError({ field: `units[${unit.id}].dimension` }, `"${unit.dimension}" is not a dimension of the loaded standard`);
    const own = DIMENSION_GROUP_OFFSET + dimension;
    const description = (standard.dimensions[dimension] as Standard["dimensions"][number]).description;
    const [good, medium, poor] = [unit.good, unit.medium, unit.poor].map((i) => answers[i] as number) as [number, number, number];
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
  signal: readonly SignalPrompt[],
  standard: Standard,
  encoder: Encoder,
  options: BuildOptions,
): Promise<TrainingSet> {
  const texts = new TextTable();
  // The word weights' documents: the real answers (made ones would count their sentences many times).
  const vocabulary = buildVocabulary(signal.flatMap((p) => p.answers.filter((a) => a.origin === "real").map((a) => a.text)));
  const weights = wordWeights(vocabulary);
  const context: BuildContext = {
    texts,
    axisWords: memo((text: string) => wordAxis(text, weights)),
    maxParts: options.maxParts,
    pairDimensions: options.pairDimensions ?? PAIR_DIMENSIONS,
    counts: {
      prompts: 0,
      answers: 0,
      verdicts: 0,
      pairs: 0,
      physician_pairs: 0,
      axis_targets: 0,
      units: 0,
      degenerate_answers: 0,
      contrast_answers: 0,
    },
    standard,
  };
  const groups = signal.map((prompt, i) => (prompt.units.length > 0 ? unitGroup(prompt, context, i) : answerGroup(prompt, context, i)));
  const descriptionIds = standard.dimensions.map((d) => texts.id(d.description));
  const vectors = await encoder.embed([...texts.ids.keys()]);
  return {
    groups,
    keys: signal.map((p) => p.key),
    vectors,
    textIds: texts.ids,
    vocabulary,
    groupCount: DIMENSION_GROUP_OFFSET + standard.dimensions.length,
    descriptions: descriptionIds.map((id) => vectors[id] as Float32Array),
    counts: { ...context.counts, prompts: groups.length, units: groups.reduce((n, g) => n + g.units.length, 0) },
  };
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
