/**
 * Fitting the reward heads (reward-heads.ts) after the network: every training answer (graded,
 * physician and unit answers, and degenerate answers to the same prompts) is scored by the trained
 * network; the heads are fitted on the training prompts (the L2 penalty chosen by log loss on the
 * validation prompts), then stacked with the network and calibrated on the validation prompts,
 * which neither the network nor the heads trained on. Without enough validation rows the stack is
 * fitted on the training rows, and `fit.calibrated_on` says so.
 */
import type { ChatMessage, RequestCriterion, RewardRequest } from "../core/types.js";
import { completionText, type GradedExample, gradedPromptKey } from "../healthbench/schema.js";
import { tryExampleMetrics } from "../healthbench/scoring.js";
import { type AnswerCues, answerCues, stemWeights } from "./answer-cues.js";
import { promptText } from "./answer-parts.js";
import { degenerateAnswers } from "./degenerate-answers.js";
import type { NetworkReading } from "./gprc-reward-model.js";
import { dotSparse, fitDenseLogistic, fitSparseLogistic, type LabelledRow, logit, logLoss, rowDot, type SparseVector } from "./logistic.js";
import {
  answerFeatures,
  type CriterionEvidence,
  criterionFeatures,
  HEAD_BUCKETS,
  HEADS_FORMAT,
  type HeadsFile,
  sparseWeights,
} from "./reward-heads.js";
import { byPrompt, PHYSICIAN_GROUPS, physicianKey, type TrainingData, unitKey } from "./training-set.js";
import type { Vocabulary } from "./word-evidence.js";

/** One answer the heads learn from. */
export interface HeadAnswer {
  /** Prompt key: the unit of the validation split. */
  key: string;
  prompt: readonly ChatMessage[];
  response: string;
  rubrics?: readonly RequestCriterion[];
  /** The grader's verdict per rubric item (null: not known). */
  verdicts?: readonly (boolean | null)[];
  /** A degenerate answer made for training: learned from (at `weight`), never calibrated on. */
  degenerate?: { weight: number };
}

export interface HeadData {
  answers: HeadAnswer[];
  /** Indices into answers: `better` should get the higher reward. */
  pairs: { better: number; worse: number }[];
}

/**
 * Weight of a contentless answer's rows: it teaches the degenerate cues without swamping the
 * length and layout weights. An answer to another question looks like a real answer, so it
 * weighs as one.
 */
const DEGENERATE_WEIGHT = 0.2;

/** Fewer real rows (verdicts, or pairs of real answers) than this fit no head: the network alone answers. */
const MIN_HEAD_ROWS = 50;
/** Stack fitted on fewer held-out rows than this is fitted on the training rows instead: a few dozen pairs can flip a head. */
const MIN_CALIBRATION_ROWS = 200;
const L2_GRID = [1e-5, 1e-4, 1e-3];
const EPOCHS = 8;
const LEARNING_RATE = 0.1;

/**
 * The heads' training answers and pairs: real ones from the data, and (with `degenerates`)
 * degenerate answers below every real answer of their prompt.
 */
export function headData(data: TrainingData, minGap: number, degenerates = true): HeadData {
  const out: HeadData = { answers: [], pairs: [] };
  const add = (answer: HeadAnswer) => out.answers.push(answer) - 1;
  const prompts: { key: string; prompt: readonly ChatMessage[]; rubrics?: readonly RequestCriterion[]; real: number[] }[] = [];
  for (const rows of byPrompt(data.graded ?? [])) {
    const key = gradedPromptKey(rows[0] as GradedExample);
    const scored = rows.map((row) => {
      const verdicts = row.verdicts.map((v) => v.criteria_met);
      const index = add({ key, prompt: row.prompt, response: completionText(row.completion), rubrics: row.rubrics, verdicts });
      return { index, score: tryExampleMetrics(row, verdicts)?.overall_score ?? null };
    });
    scored.forEach((a, i) => {
      for (const b of scored.slice(i + 1)) {
        if (a.score === null || b.score === null || Math.abs(a.score - b.score) < minGap) continue;
        out.pairs.push(a.score > b.score ? { better: a.index, worse: b.index } : { better: b.index, worse: a.index });
      }
    });
    prompts.push({
      key,
      prompt: (rows[0] as GradedExample).prompt,
      rubrics: (rows[0] as GradedExample).rubrics,
      real: scored.map((s) => s.index),
    });
  }
  for (const example of data.healthbench ?? []) {
    const ideal = example.ideal_completions_data;
    if (!ideal || !PHYSICIAN_GROUPS.has(ideal.ideal_completions_group)) continue;
    const key = physicianKey(example);
    const answer = (response: string) => add({ key, prompt: example.prompt, response, rubrics: example.rubrics });
    const best = answer(ideal.ideal_completion);
    const references = ideal.ideal_completions_ref_completions.filter((r) => r !== ideal.ideal_completion).map(answer);
    for (const worse of references) out.pairs.push({ better: best, worse });
    prompts.push({ key, prompt: example.prompt, rubrics: example.rubrics, real: [best, ...references] });
  }
  for (const group of byPrompt((data.units ?? []).map((u) => ({ ...u, prompt_id: "" })))) {
    const key = unitKey((group[0] as (typeof group)[number]).prompt);
    const real: number[] = [];
    for (const unit of group) {
      const [good, medium, poor] = [unit.good, unit.medium, unit.poor].map((response) => add({ key, prompt: unit.prompt, response }));
      out.pairs.push({ better: good as number, worse: medium as number }, { better: medium as number, worse: poor as number });
      real.push(good as number, medium as number, poor as number);
    }
    prompts.push({ key, prompt: (group[0] as (typeof group)[number]).prompt, real });
  }
  if (degenerates) addDegenerates(out, prompts);
  return out;
}

function addDegenerates(
  out: HeadData,
  prompts: readonly { key: string; prompt: readonly ChatMessage[]; rubrics?: readonly RequestCriterion[]; real: number[] }[],
): void {
  prompts.forEach((p, i) => {
    const other = prompts[(i + 1) % prompts.length];
    const otherAnswer = other && other !== p ? out.answers[other.real[0] as number]?.response : undefined;
    for (const { kind, text } of degenerateAnswers(p.prompt, otherAnswer)) {
      // Positive criteria unmet; a negative one may or may not be (an empty answer "fails to advise"), so it is left unknown.
      const verdicts = p.rubrics?.map((item) => (item.points > 0 ? false : null));
      const worse =
        out.answers.push({
          key: p.key,
          prompt: p.prompt,
          response: text,
          rubrics: p.rubrics,
          verdicts,
          degenerate: { weight: kind === "other_question" ? 1 : DEGENERATE_WEIGHT },
        }) - 1;
      for (const better of p.real) out.pairs.push({ better, worse });
    }
  });
}

type Stack = [number, number, number];

/** A labelled row with the network's logit beside it and the split it falls in. */
interface StackRow extends LabelledRow {
  network: number;
  validation: boolean;
  positive: boolean;
  /** From a degenerate answer: trained on at a lower weight, never used to choose or calibrate. */
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
      const weight = answer.degenerate?.weight ?? 1;
      const degenerate = answer.degenerate !== undefined;
      return [{ x, y: met ? 1 : 0, weight, network, validation: validation.has(answer.key), positive: item.points > 0, degenerate }];
    }),
  );
  // The network's reward without a rubric (equal weights), as a logit.
  const dimensionLogit = (reading: NetworkReading) =>
    logit(reading.dimensions.reduce((a, b) => a + b, 0) / Math.max(1, reading.dimensions.length));
  const answerRows: StackRow[] = data.pairs.map(({ better, worse }) => {
    const made = data.answers[worse]?.degenerate;
    const degenerate = made !== undefined;
    return {
      x: features[better] as SparseVector,
      minus: features[worse] as SparseVector,
      y: 1,
      weight: made?.weight ?? 1,
      network: dimensionLogit(scores[better] as NetworkReading) - dimensionLogit(scores[worse] as NetworkReading),
      validation: validation.has((data.answers[better] as HeadAnswer).key),
      positive: true,
      degenerate,
    };
  });
  // Without real verdicts the degenerate rows alone would teach "never met": no criterion head then.
  const criterion = criterionRows.filter((r) => !r.degenerate).length >= MIN_HEAD_ROWS ? fitHead(criterionRows, true) : null;
  const answer = answerRows.filter((r) => !r.degenerate).length >= MIN_HEAD_ROWS ? fitHead(answerRows, false) : null;
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
    fit: {
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

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : (sorted[Math.floor(sorted.length / 2)] as number);
};

/**
 * The head's weights on the training rows (L2 chosen by validation log loss), then the stack
 * sigmoid(a h + b g + c) per sign (`withBias`: criteria; preferences have no bias) on the
 * validation rows.
 */
function fitHead(rows: readonly StackRow[], withBias: boolean) {
  const train = rows.filter((r) => !r.validation);
  const held = rows.filter((r) => r.validation && !r.degenerate);
  const real = rows.filter((r) => !r.degenerate);
  const fitOn = train.length > 0 ? train : rows;
  const fits = fitSparseLogistic(fitOn, { dims: HEAD_BUCKETS, l2: L2_GRID, epochs: EPOCHS, learningRate: LEARNING_RATE, seed: 1 }).map(
    (weights, i) => ({ l2: L2_GRID[i] as number, weights, loss: logLoss(weights, held.length > 0 ? held : real) }),
  );
  const best = fits.reduce((a, b) => (b.loss < a.loss ? b : a));
  const calibrateOn = held.length >= MIN_CALIBRATION_ROWS ? held : real;
  // A part that orders the held-out rows the wrong way is dropped from the stack, never turned around.
  const stack = (of: readonly StackRow[], use = [true, true]): Stack => {
    if (of.length === 0) return [1, 0, 0];
    const x = of.map((r) => [...[rowDot(best.weights, r), r.network].filter((_, k) => use[k]), ...(withBias ? [1] : [])]);
    const fitted = fitDenseLogistic(
      x,
      of.map((r) => r.y),
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
    calibratedOn: calibrateOn === held ? "validation prompts" : "training prompts (too few validation rows)",
  };
}
