/**
 * Fitting the reward heads (reward-heads.ts) after the network: every answer of the training
 * signal (training-signal.ts: the one the network trained on) is scored by the trained
 * network; the heads are fitted on the training prompts (the L2 penalty chosen by log loss on the
 * validation prompts), then stacked with the network and calibrated on the validation prompts,
 * which neither the network nor the heads trained on. Without enough validation rows the stack is
 * fitted on the training rows, and `fit.calibrated_on` says so.
 */
import type { ChatMessage, RequestCriterion, RewardRequest } from "../core/types.js";
import { type AnswerCues, answerCues, stemWeights } from "./answer-cues.js";
import { promptText } from "./answer-parts.js";
import { expectedRubricScore, type NetworkReading } from "./gprc-reward-model.js";
import { fitLengthTerm, termLength } from "./length-term.js";
import {
  dotSparse,
  fitDenseLogistic,
  fitSparseLogistic,
  type LabelledRow,
  logit,
  logLoss,
  rowDot,
  type SparseVector,
  sigmoid,
} from "./logistic.js";
import {
  answerFeatures,
  type CriterionEvidence,
  criterionFeatures,
  HEAD_BUCKETS,
  HEADS_FORMAT,
  type HeadsFile,
  rubricSafetyEvidence,
  sparseWeights,
} from "./reward-heads.js";
import type { SignalPrompt } from "./training-signal.js";
import type { Vocabulary, WordWeights } from "./word-evidence.js";

/** One answer the heads learn from. */
export interface HeadAnswer {
  /** Prompt key: the unit of the validation split. */
  key: string;
  prompt: readonly ChatMessage[];
  response: string;
  rubrics?: readonly RequestCriterion[];
  /** The grader's verdict per rubric item (null: not known). */
  verdicts?: readonly (boolean | null)[];
  /** An answer made for training (degenerate, or an advice contrast): learned from (at `weight`), never calibrated on. */
  made?: { weight: number };
  /** The grader's score of a real graded answer: what the length term matches. */
  score?: number;
}

export interface HeadData {
  answers: HeadAnswer[];
  /** Indices into answers: `better` should get the higher reward; `made`: one of them was made for training. */
  pairs: { better: number; worse: number; made: boolean }[];
}

/** Fewer real rows (verdicts, or pairs of real answers) than this fit no head: the network alone answers. */
const MIN_HEAD_ROWS = 50;
/** Stack fitted on fewer held-out rows than this is fitted on the training rows instead: a few dozen pairs can flip a head. */
const MIN_CALIBRATION_ROWS = 200;
const L2_GRID = [1e-5, 1e-4, 1e-3];
/**
 * The safety term of the reward with a rubric, in points of the expected score per unit of
 * safety evidence (rubricSafetyEvidence: log counts of urgent advice less dismissed help): a
 * criterion-free "tells the reader to get urgent help, does not dismiss it". Most rubrics have no
 * criterion about urgent help, so without it an answer whose urgent advice is dismissed keeps
 * nearly its whole expected score. Small on purpose: below most gaps between graded answers
 * (their median is 0.07), above what replacing a sentence does to the expected score. Chosen by
 * an inner cross-validation on training folds (BENCHMARKS.md, issue 30).
 */
export const RUBRIC_SAFETY = 0.03;
const EPOCHS = 8;
const LEARNING_RATE = 0.1;

/** The heads' answers and pairs: the training signal (training-signal.ts) flattened, the same the network trains on. */
export function headData(signal: readonly SignalPrompt[]): HeadData {
  const out: HeadData = { answers: [], pairs: [] };
  for (const p of signal) {
    const first = out.answers.length;
    for (const a of p.answers) {
      out.answers.push({
        key: p.key,
        prompt: p.prompt,
        response: a.text,
        rubrics: a.rubrics ?? p.rubrics,
        verdicts: a.verdicts,
        ...(a.origin === "real" ? {} : { made: { weight: a.weight } }),
        ...(a.metrics ? { score: a.metrics.overall_score } : {}),
      });
    }
    for (const pair of p.pairs) out.pairs.push({ better: first + pair.better, worse: first + pair.worse, made: pair.made });
  }
  return out;
}

type Stack = [number, number, number];

/** A labelled row with the network's logit beside it and the split it falls in. */
interface StackRow extends LabelledRow {
  network: number;
  validation: boolean;
  positive: boolean;
  /** From an answer made for training: trained on (at its weight), never used to choose or calibrate. */
  degenerate: boolean;
}

/** Fits both heads on `data`, scored by the trained network `model`; `validation` holds the validation prompt keys. */
export async function fitRewardHeads(
  data: HeadData,
  read: (requests: readonly RewardRequest[]) => Promise<NetworkReading[]>,
  vocabulary: Vocabulary,
  validation: ReadonlySet<string>,
  evidence: CriterionEvidence = "full",
): Promise<HeadsFile> {
  const weights = stemWeights(vocabulary);
  const scores = await read(data.answers.map(({ prompt, response, rubrics }) => ({ prompt, response, rubrics })));
  const cues = data.answers.map((a, i) => answerCues(a.response, promptText(a.prompt), weights, scores[i]?.relevance));
  const features = cues.map(answerFeatures);
  const criterionRows: StackRow[] = data.answers.flatMap((answer, i) =>
    (answer.rubrics ?? []).flatMap((item, j) => {
      const met = answer.verdicts?.[j];
      if (met === undefined || met === null) return [];
      const network = evidence === "full" ? (scores[i]?.criterionLogits[j] as number) : 0;
      const x = criterionFeatures(item, cues[i] as AnswerCues, weights, evidence);
      const weight = answer.made?.weight ?? 1;
      const degenerate = answer.made !== undefined;
      return [{ x, y: met ? 1 : 0, weight, network, validation: validation.has(answer.key), positive: item.points > 0, degenerate }];
    }),
  );
  // The network's reward without a rubric (equal weights), as a logit.
  const dimensionLogit = (reading: NetworkReading) =>
    logit(reading.dimensions.reduce((a, b) => a + b, 0) / Math.max(1, reading.dimensions.length));
  const answerRows: StackRow[] = data.pairs.map(({ better, worse, made }) => {
    const degenerate = made;
    return {
      x: features[better] as SparseVector,
      minus: features[worse] as SparseVector,
      y: 1,
      weight: Math.min(data.answers[better]?.made?.weight ?? 1, data.answers[worse]?.made?.weight ?? 1),
      network: dimensionLogit(scores[better] as NetworkReading) - dimensionLogit(scores[worse] as NetworkReading),
      validation: validation.has((data.answers[better] as HeadAnswer).key),
      positive: true,
      degenerate,
    };
  });
  // Without real verdicts the degenerate rows alone would teach "never met": no criterion head then.
  const criterion = criterionRows.filter((r) => !r.degenerate).length >= MIN_HEAD_ROWS ? fitHead(criterionRows, true) : null;
  // The answer stack is calibrated on the made pairs of validation prompts too: they show where the network reads length, not advice.
  const answer = answerRows.filter((r) => !r.degenerate).length >= MIN_HEAD_ROWS ? fitHead(answerRows, false, true) : null;
  const answerStack: Stack = answer?.stacks[0] ?? [0, 0, 0];
  if (answer) {
    // Centre the reward: sigmoid(a h + b g + c) near 0.5 for a typical training answer (only order within a prompt is learned).
    const z = data.answers.map(
      (_, i) =>
        answerStack[0] * dotSparse(answer.weights, features[i] as SparseVector) +
        answerStack[1] * dimensionLogit(scores[i] as NetworkReading),
    );
    answerStack[2] = -median(z);
  }
  const graded = gradedSample(data, cues, validation);
  const answerLength = fitLengthTerm(
    graded,
    graded.indices.map(
      (i) =>
        answerStack[0] * dotSparse(answer?.weights ?? [], features[i] as SparseVector) +
        answerStack[1] * dimensionLogit(scores[i] as NetworkReading),
    ),
    graded.scores,
  );
  // The length term is fitted to the reward as scored: the expected score and the safety term.
  const rubricLength = criterion
    ? fitLengthTerm(
        graded,
        graded.indices.map(
          (i) =>
            expectedScore(data.answers[i] as HeadAnswer, cues[i] as AnswerCues, scores[i] as NetworkReading, criterion, weights) +
            RUBRIC_SAFETY * rubricSafetyEvidence(cues[i] as AnswerCues),
        ),
        graded.scores,
      )
    : null;
  return {
    format: HEADS_FORMAT,
    criterion: criterion
      ? {
          weights: sparseWeights(criterion.weights),
          positive: criterion.stacks[0] as Stack,
          negative: criterion.stacks[1] as Stack,
          l2: criterion.l2,
        }
      : null,
    answer: answer ? { weights: sparseWeights(answer.weights), stack: answerStack, l2: answer.l2 } : null,
    length: { answer: answer ? answerLength.k : 0, rubric: rubricLength?.k ?? 0 },
    rubric_safety: criterion ? RUBRIC_SAFETY : 0,
    fit: {
      grader_length_spearman: answerLength.grader,
      answer_length_spearman_before: answer ? answerLength.before : null,
      answer_length_spearman_after: answer ? answerLength.after : null,
      rubric_length_spearman_before: rubricLength?.before ?? null,
      rubric_length_spearman_after: rubricLength?.after ?? null,
      length_fitted_on: `${graded.prompts.length} prompts`,
      evidence,
      criterion_rows: criterionRows.length,
      criterion_validation_log_loss: criterion?.validationLoss ?? null,
      answer_pairs: answerRows.length,
      answer_validation_log_loss: answer?.validationLoss ?? null,
      criterion_calibrated_on: criterion?.calibratedOn ?? null,
      answer_calibrated_on: answer?.calibratedOn ?? null,
    },
  };
}

/** Fewer validation prompts than this, and the length term is fitted on every training prompt's answers. */
const MIN_LENGTH_PROMPTS = 30;

/**
 * The real graded answers the length term is fitted on, grouped by prompt, with the grader's
 * scores and their lengths: those of the validation prompts (on the heads' own training answers
 * their correlation with length is not what it is on new answers), or every one when too few.
 */
function gradedSample(data: HeadData, cues: readonly AnswerCues[], validation: ReadonlySet<string>) {
  const all = data.answers.flatMap((a, i) => (a.score === undefined ? [] : [i]));
  const held = all.filter((i) => validation.has((data.answers[i] as HeadAnswer).key));
  const heldPrompts = new Set(held.map((i) => (data.answers[i] as HeadAnswer).key)).size;
  const indices = heldPrompts >= MIN_LENGTH_PROMPTS ? held : all;
  const byKey = new Map<string, number[]>();
  indices.forEach((i, n) => {
    const key = (data.answers[i] as HeadAnswer).key;
    byKey.set(key, [...(byKey.get(key) ?? []), n]);
  });
  return {
    indices,
    prompts: [...byKey.values()],
    scores: indices.map((i) => (data.answers[i] as HeadAnswer).score as number),
    length: indices.map((i) => (data.answers[i] as HeadAnswer).response.length),
    logLength: indices.map((i) => termLength(cues[i] as AnswerCues)),
  };
}

/** The expected rubric score of a training answer under the fitted P(met) head (no length term). */
function expectedScore(
  answer: HeadAnswer,
  cues: AnswerCues,
  reading: NetworkReading,
  head: { weights: Float64Array; stacks: Stack[] },
  weights: WordWeights,
): number {
  const rubric = answer.rubrics ?? [];
  const p = rubric.map((item, j) => {
    const [a, b, c] = head.stacks[item.points > 0 ? 0 : 1] as Stack;
    return sigmoid(a * dotSparse(head.weights, criterionFeatures(item, cues, weights)) + b * (reading.criterionLogits[j] as number) + c);
  });
  return rubric.some((item) => item.points > 0) ? expectedRubricScore(rubric, p) : 0;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : (sorted[Math.floor(sorted.length / 2)] as number);
};

/**
 * The head's weights on the training rows (L2 chosen by validation log loss), then the stack
 * sigmoid(a h + b g + c) per sign (`withBias`: criteria; preferences have no bias) on the
 * validation rows.
 */
function fitHead(rows: readonly StackRow[], withBias: boolean, calibrateMade = false) {
  const train = rows.filter((r) => !r.validation);
  const held = rows.filter((r) => r.validation && !r.degenerate);
  const real = rows.filter((r) => !r.degenerate);
  const heldAll = rows.filter((r) => r.validation);
  const fitOn = train.length > 0 ? train : rows;
  const fits = fitSparseLogistic(fitOn, { dims: HEAD_BUCKETS, l2: L2_GRID, epochs: EPOCHS, learningRate: LEARNING_RATE, seed: 1 }).map(
    (weights, i) => ({ l2: L2_GRID[i] as number, weights, loss: logLoss(weights, held.length > 0 ? held : real) }),
  );
  const best = fits.reduce((a, b) => (b.loss < a.loss ? b : a));
  const calibrateOn = held.length >= MIN_CALIBRATION_ROWS ? (calibrateMade ? heldAll : held) : real;
  // A part that orders the held-out rows the wrong way is dropped from the stack, never turned around.
  const stack = (of: readonly StackRow[], use = [true, true]): Stack => {
    if (of.length === 0) return [1, 0, 0];
    const x = of.map((r) => [...[rowDot(best.weights, r), r.network].filter((_, k) => use[k]), ...(withBias ? [1] : [])]);
    const fitted = fitDenseLogistic(
      x,
      of.map((r) => r.y),
      of.map((r) => r.weight ?? 1),
    );
    const [a, b] = use.map((on, k) => (on ? (fitted[use.slice(0, k).filter(Boolean).length] as number) : 0)) as [number, number];
    if (a < 0 || b < 0) return stack(of, [a > 0, b > 0]);
    return [a, b, withBias ? (fitted.at(-1) as number) : 0];
  };
  const stacks = withBias
    ? [stack(calibrateOn.filter((r) => r.positive)), stack(calibrateOn.filter((r) => !r.positive))]
    : [stack(calibrateOn)];
  return {
    weights: best.weights,
    l2: best.l2,
    stacks,
    validationLoss: held.length > 0 ? best.loss : null,
    calibratedOn: calibrateOn === real ? "training prompts (too few validation rows)" : "validation prompts",
  };
}
