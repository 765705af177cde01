/**
 * The trained GPRC model as a RewardModel. Every answer is read along every dimension of the
 * standard (calibrated scores in [0, 1]); an answer that comes with its item's rubric is also read
 * along each criterion, giving P(met) per criterion and, as the reward, the rubric's HealthBench
 * score in expectation: sum of points x P(met) over the positive points, plus the heads' length
 * term (length-term.ts: k log length, which keeps the reward's correlation with length at the
 * grader's; 0 without heads). Without a rubric the
 * reward is R = sum_i w_i(scenario) score_i / sum_i w_i (equal weights without a scenario).
 */
import * as tf from "@tensorflow/tfjs";
import { UsageError } from "../core/errors.js";
import { memo } from "../core/memo.js";
import type { Encoder, RequestCriterion, RewardModel, RewardRequest, RewardScore } from "../core/types.js";
import { answerCues } from "./answer-cues.js";
import { answerParts, DEFAULT_MAX_PARTS, promptText, readLength } from "./answer-parts.js";
import type { NamedTensor } from "./checkpoint.js";
import {
  createNetwork,
  DIMENSION_GROUP_OFFSET,
  type GprcNetwork,
  NEGATIVE_CRITERION,
  type NetworkShape,
  namedVariables,
  POSITIVE_CRITERION,
} from "./gprc-network.js";
import { termLength } from "./length-term.js";
import { logit, sigmoid } from "./logistic.js";
import { type AnswerRef, type AxisRow, dot, type Reading, TextTable } from "./reading-batch.js";
import { type ReadingWeights, readingWeights, readLogits } from "./reading-forward.js";
import { type RewardHeads, rubricSafetyEvidence } from "./reward-heads.js";
import { useWasmBackend } from "./tf-backend.js";
import { CoverIndex, type WordAxis, type WordWeights, wordAxis, words } from "./word-evidence.js";

export interface GprcModelParts {
  network: GprcNetwork;
  dimensions: readonly string[];
  /** D_i and E(D_i) of every dimension, in order. */
  descriptions: readonly string[];
  descriptionEmbeddings: readonly Float32Array[];
  /** Calibration group of each dimension, in order. */
  dimensionGroups: readonly number[];
  scenarioWeights: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Word weights of the word cover, from the training answers. */
  wordWeights: WordWeights;
  /** The heads stacked on the network (reward-heads.ts), and the stem weights their cues read; none: the network alone. */
  heads?: { heads: RewardHeads; stemWeights: WordWeights } | null;
  maxParts?: number;
}

/** Answers per forward pass: bounds the texts embedded at once. */
const BATCH = 256;

/** What scoring reads a model by: its weights as arrays and its fixed axes' words. */
interface Scorer {
  parts: GprcModelParts;
  weights: ReadingWeights;
  descriptionAxes: WordAxis[];
  maxParts: number;
}

export const criterionGroup = (item: Pick<RequestCriterion, "points">) => (item.points > 0 ? POSITIVE_CRITERION : NEGATIVE_CRITERION);

/** The HealthBench score of a rubric with P(met) per criterion: its expected value when verdicts are independent. */
export function expectedRubricScore(items: readonly Pick<RequestCriterion, "points">[], pMet: readonly number[]): number {
  let possible = 0;
  let achieved = 0;
  items.forEach((item, i) => {
    if (item.points > 0) possible += item.points;
    achieved += item.points * (pMet[i] as number);
  });
  if (possible <= 0) throw new UsageError("a rubric needs at least one criterion with positive points");
  return achieved / possible;
}

export function createGprcRewardModel(parts: GprcModelParts, encoder: Encoder): RewardModel {
  const weightsFor = (scenario: string | null | undefined): number[] => {
    if (!scenario) return parts.dimensions.map(() => 1);
    const weights = parts.scenarioWeights[scenario];
    if (!weights) throw new UsageError(`unknown scenario "${scenario}"; known: ${Object.keys(parts.scenarioWeights).join(", ")}`);
    return parts.dimensions.map((d) => weights[d] ?? 0);
  };
  const read = createNetworkReader(parts, encoder);
  return {
    dimensions: parts.dimensions,
    async score(requests: readonly RewardRequest[]): Promise<RewardScore[]> {
      const weights = requests.map((r) => weightsFor(r.scenario));
      const prompts = promptTexts(requests);
      const readings = await read(requests, prompts);
      return requests.map((request, i) => {
        const reading = readings[i] as NetworkReading;
        const w = weights[i] as number[];
        const total = w.reduce((a, b) => a + b, 0);
        const rubric = request.rubrics && request.rubrics.length > 0 ? request.rubrics : null;
        const dimensionReward = reading.dimensions.reduce((sum, s, j) => sum + s * (w[j] as number), 0) / total;
        const headed = parts.heads ? applyHeads(parts.heads, request, prompts[i] as string, reading, dimensionReward) : null;
        const criteria = headed?.criteria ?? reading.criteria;
        return {
          scores: Object.fromEntries(parts.dimensions.map((d, j) => [d, reading.dimensions[j] as number])),
          reward: rubric ? expectedRubricScore(rubric, criteria) + (headed?.rubricLength ?? 0) : (headed?.reward ?? dimensionReward),
          ...(rubric ? { criteria } : {}),
        };
      });
    },
  };
}

/** What the network reads of an answer: calibrated scores on every dimension and on its criteria, and its relevance to the prompt. */
export interface NetworkReading {
  dimensions: number[];
  criteria: number[];
  criterionLogits: number[];
  /** The largest cosine of the prompt with one of the answer's parts. */
  relevance: number;
}

/** Each request's prompt as text (promptText), rendered once per prompt: the answers to one prompt usually share its messages. */
function promptTexts(requests: readonly RewardRequest[]): string[] {
  const rendered = memo((prompt: RewardRequest["prompt"]) => promptText(prompt));
  return requests.map((r) => rendered(r.prompt));
}

/** The network alone, batch by batch: what the heads are stacked on. `prompts`: the requests' prompt texts, when known. */
export function createNetworkReader(
  parts: GprcModelParts,
  encoder: Encoder,
): (requests: readonly RewardRequest[], prompts?: readonly string[]) => Promise<NetworkReading[]> {
  const scorer: Scorer = {
    parts,
    weights: readingWeights(parts.network),
    descriptionAxes: parts.descriptions.map((text) => wordAxis(text, parts.wordWeights)),
    maxParts: parts.maxParts ?? DEFAULT_MAX_PARTS,
  };
  return async (requests, prompts = promptTexts(requests)) => {
    await useWasmBackend();
    const out: NetworkReading[] = [];
    for (let start = 0; start < requests.length; start += BATCH)
      out.push(...(await readRequests(scorer, encoder, requests.slice(start, start + BATCH), prompts.slice(start, start + BATCH))));
    return out;
  };
}

/** P(met) of the request's criteria and its reward without a rubric, through the heads the model has. */
function applyHeads(
  { heads, stemWeights }: { heads: RewardHeads; stemWeights: WordWeights },
  request: RewardRequest,
  prompt: string,
  read: NetworkReading,
  dimensionReward: number,
): { criteria: number[] | null; reward: number | null; rubricLength: number } {
  // A request uses one head: P(met) with a rubric, the answer head without; the cues are read only for it.
  const rubric = request.rubrics && request.rubrics.length > 0 ? request.rubrics : null;
  const { criterion, answer } = heads;
  if (rubric ? !criterion : !answer) return { criteria: null, reward: null, rubricLength: 0 };
  const cues = answerCues(request.response, prompt, stemWeights, read.relevance);
  return {
    criteria: rubric && criterion ? rubric.map((item, j) => criterion(item, cues, read.criterionLogits[j] as number)) : null,
    reward: !rubric && answer ? answer(cues, logit(dimensionReward)) : null,
    // The length term (length-term.ts) keeps the reward's taste for length at the grader's.
    rubricLength: rubric ? heads.rubricLength * termLength(cues) + heads.rubricSafety * rubricSafetyEvidence(cues) : 0,
  };
}

/** Calibrated scores of each request on every dimension and on its own criteria. */
async function readRequests(
  scorer: Scorer,
  encoder: Encoder,
  requests: readonly RewardRequest[],
  prompts: readonly string[],
): Promise<NetworkReading[]> {
  const { parts, maxParts } = scorer;
  // The word covers of every axis (the dimensions', then each criterion's as met) from one index.
  const covers = new CoverIndex();
  const descriptionAxes = scorer.descriptionAxes.map((axis) => covers.add(axis));
  const criterionAxis = memo((text: string) => covers.add(wordAxis(text, parts.wordWeights)));
  const texts = new TextTable();
  const id = (text: string) => texts.id(text);
  const reading: Reading = { prompts: [], answers: [], rows: [] };
  const promptIndex = new Map<number, number>();
  const descriptionIds = parts.descriptionEmbeddings.map((_, i) => -1 - i);
  const spans = requests.map((request, answer) => {
    const prompt = id(prompts[answer] as string);
    if (!promptIndex.has(prompt)) {
      promptIndex.set(prompt, reading.prompts.length);
      reading.prompts.push(prompt);
    }
    const read = answerParts(request.response, maxParts);
    reading.answers.push({ prompt: promptIndex.get(prompt) as number, parts: read.map(id), length: readLength(read) });
    const criterionAxes = (request.rubrics ?? []).map((item) => criterionAxis(item.criterion));
    for (const part of read) covers.mark(words(part));
    const first = reading.rows.length;
    const dimensionRows: AxisRow[] = descriptionIds.map((axis, i) => ({
      answer,
      axis,
      group: parts.dimensionGroups[i] as number,
      cover: covers.cover(descriptionAxes[i] as number),
    }));
    const criterionRows: AxisRow[] = (request.rubrics ?? []).map((item, j) => ({
      answer,
      axis: id(item.criterion),
      group: criterionGroup(item),
      cover: covers.cover(criterionAxes[j] as number),
    }));
    covers.clear();
    reading.rows.push(...dimensionRows, ...criterionRows);
    return { first, dimensions: dimensionRows.length, criteria: criterionRows.length };
  });
  const embedded = await encoder.embed([...texts.ids.keys()]);
  // Descriptions were embedded at load; their ids come after the texts of this batch.
  const vectors = [...embedded, ...parts.descriptionEmbeddings];
  for (const row of reading.rows) if (row.axis < 0) row.axis = embedded.length - 1 - row.axis;
  const logits = Array.from(readLogits(scorer.weights, reading, vectors));
  const values = logits.map(sigmoid);
  return spans.map(({ first, dimensions, criteria }, i) => ({
    relevance: relevance(
      reading.answers[i] as AnswerRef,
      vectors[reading.prompts[(reading.answers[i] as AnswerRef).prompt] as number] as Float32Array,
      vectors,
    ),
    dimensions: values.slice(first, first + dimensions),
    criteria: values.slice(first + dimensions, first + dimensions + criteria),
    criterionLogits: logits.slice(first + dimensions, first + dimensions + criteria),
  }));
}

const relevance = (answer: AnswerRef, prompt: Float32Array, vectors: readonly Float32Array[]) =>
  answer.parts.reduce((best, id) => Math.max(best, dot(prompt, vectors[id] as Float32Array)), -1);

/** Calibration groups of dimensions in the standard's order. */
export const dimensionGroupsOf = (count: number) => Array.from({ length: count }, (_, i) => DIMENSION_GROUP_OFFSET + i);

/** The network's weights as named tensors, for a checkpoint. */
export function networkTensors(network: GprcNetwork): NamedTensor[] {
  return namedVariables(network).map(([name, v]) => ({ name, shape: v.shape, values: v.dataSync() as Float32Array }));
}

/** Rebuilds a network from checkpoint tensors; refuses tensors of the wrong shape. */
export function networkFromTensors(tensors: ReadonlyMap<string, NamedTensor>, shape: NetworkShape): GprcNetwork {
  const network = createNetwork(shape, 0);
  for (const [name, v] of namedVariables(network)) {
    const saved = tensors.get(name);
    if (!saved || saved.shape.join("x") !== v.shape.join("x")) {
      throw new UsageError(
        `checkpoint tensor ${name}: expected shape ${v.shape.join("x")}, found ${saved ? saved.shape.join("x") : "none"}`,
      );
    }
    tf.tidy(() => v.assign(tf.tensor(saved.values, v.shape)));
  }
  return network;
}
