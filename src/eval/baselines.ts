/**
 * Baselines a trained reward model must beat on the same data, as real `RewardModel`s: answer
 * length (longer is better, the bias rubric graders and reward models share) and prompt-answer
 * cosine similarity under the frozen encoder (on-topic is better, what the encoder gives for
 * free). Every dimension gets the same score and the reward is that score: neither baseline
 * knows anything about dimensions.
 */
import { seededSplitBy } from "../core/random.js";
import type { Encoder, RewardModel, RewardRequest, RewardScore } from "../core/types.js";
import { NO_CUES, stemWeights } from "../rm/answer-cues.js";
import { expectedRubricScore } from "../rm/gprc-reward-model.js";
import { fitRewardHeads, headData } from "../rm/head-training.js";
import { rewardHeads } from "../rm/reward-heads.js";
import { type TrainingData, trainingSignal } from "../rm/training-signal.js";
import { buildVocabulary } from "../rm/word-evidence.js";
import { userText } from "./score-batched.js";

/** Characters at which the length score is 0.5. */
const LENGTH_SCALE = 1000;

function uniform(dimensions: readonly string[], value: number): RewardScore {
  return { scores: Object.fromEntries(dimensions.map((dimension) => [dimension, value])), reward: value };
}

/**
 * `len / (len + 1000)`: monotone into [0, 1). Chosen over `1 - exp(-len / 1000)`, which rounds
 * to exactly 1 beyond about 37,000 characters and would tie long answers.
 */
export function lengthScore(length: number): number {
  return length / (length + LENGTH_SCALE);
}

export function lengthBaseline(dimensions: readonly string[]): RewardModel {
  return {
    dimensions,
    score: async (requests) => requests.map((request) => uniform(dimensions, lengthScore(request.response.length))),
  };
}

/** Cosine of two vectors (0 when either is zero), so an encoder that does not normalise still gives a cosine. */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}

export function cosineBaseline(encoder: Encoder, dimensions: readonly string[]): RewardModel {
  return {
    dimensions,
    async score(requests) {
      // A batch repeats prompts (several answers per question), so each distinct text is embedded once.
      const texts = [...new Set(requests.flatMap((request) => [userText(request.prompt), request.response]))];
      const vectors = await encoder.embed(texts);
      const vectorOf = new Map(texts.map((text, i) => [text, vectors[i] as Float32Array]));
      return requests.map((request) => {
        const cos = cosine(vectorOf.get(userText(request.prompt)) as Float32Array, vectorOf.get(request.response) as Float32Array);
        // Rounding can push a cosine a hair past ±1; the score must stay in [0, 1].
        return uniform(dimensions, Math.min(1, Math.max(0, (cos + 1) / 2)));
      });
    },
  };
}

/**
 * What a criterion tells about itself, with no answer read: a logistic model on the criterion's
 * points, sign, negation, words and tags (reward-heads.ts), fitted on graded training answers and
 * calibrated on a seeded share of their prompts. P(met) from it is the bar the reward model's
 * criteria must clear; without a rubric it knows nothing (every reward 0.5).
 */
export async function criterionOnlyBaseline(
  training: TrainingData,
  dimensions: readonly string[],
  { minGap = 0.1, validationShare = 0.2, seed = 0 } = {},
): Promise<RewardModel> {
  // Real graded answers only: the criterion's own text is all it reads, so made answers would teach it nothing true.
  const data = headData(trainingSignal({ graded: training.graded ?? [] }, minGap, { made: false }));
  const keys = [...new Set(data.answers.map((a) => a.key))];
  const validation = new Set(seededSplitBy(keys, (k) => k, validationShare, seed).heldOut);
  const unread = async (requests: readonly RewardRequest[]) =>
    requests.map((r) => ({ dimensions: [], criteria: [], criterionLogits: (r.rubrics ?? []).map(() => 0), relevance: 0 }));
  const vocabulary = buildVocabulary([]);
  const heads = rewardHeads(await fitRewardHeads(data, unread, vocabulary, validation, "criterion-only"), stemWeights(vocabulary));
  return {
    dimensions,
    async score(requests) {
      return requests.map((request) => {
        const criteria = (request.rubrics ?? []).map((item) => heads.criterion?.(item, NO_CUES, 0) ?? 0.5);
        const rubric = request.rubrics && request.rubrics.length > 0 ? request.rubrics : null;
        return rubric ? { ...uniform(dimensions, 0.5), reward: expectedRubricScore(rubric, criteria), criteria } : uniform(dimensions, 0.5);
      });
    },
  };
}
