import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { createHashEncoder } from "../../test/hash-encoder.js";
import { createRng } from "../core/random.js";
import type { Encoder } from "../core/types.js";
import { unitVector } from "../encoders/unit-vector.js";
import type { GradedExample } from "../healthbench/schema.js";
import { loadStandards } from "../standards/load-standards.js";
import { absoluteLoss, criterionAxisLoss } from "./gprc-losses.js";
import { networkVariables, oneHotRows, readRows } from "./gprc-network.js";
import { createGprcRewardModel, dimensionGroupsOf, expectedRubricScore } from "./gprc-reward-model.js";
import { readingTensors } from "./reading-batch.js";
import { useWasmBackend } from "./tf-backend.js";
import { batchLoss, splitGroups, trainGprc } from "./train-gprc.js";
import { DEFAULT_TRAIN_OPTIONS } from "./train-options.js";
import { buildTrainingSet, mergeGroups, type TrainingSet } from "./training-set.js";
import { trainingSignal } from "./training-signal.js";
import { wordWeights } from "./word-evidence.js";

/**
 * A world of concepts: each has a hidden direction. A criterion `about <name>` is met by an
 * answer with a part about that concept (`Part on <eman>.`); parts are embedded as their
 * concept's direction plus noise, so only the geometry, not the words, tells them apart.
 */
const D = 24;
const CONCEPTS = Array.from({ length: 12 }, (_, i) => `zq${String.fromCharCode(97 + i)}`);
/** An answer names a concept backwards, so its words never match the criterion's. */
const reversed = (concept: string) => [...concept].reverse().join("");
const FILLER = " It goes on about other things for a while, as answers do, without saying much more.".repeat(3);

function conceptEncoder(seed: number): Encoder {
  const random = createRng(seed);
  const direction = new Map(CONCEPTS.map((c) => [c, Array.from({ length: D }, () => random() * 2 - 1)]));
  const noise = createHashEncoder(D);
  return {
    id: "concepts",
    dim: D,
    async embed(texts) {
      const hashed = await noise.embed(texts);
      return texts.map((text, i) => {
        const concept = CONCEPTS.find((c) => text.includes(reversed(c)) || text.includes(`about ${c}`));
        const base = concept ? (direction.get(concept) as number[]) : Array(D).fill(0);
        return unitVector(base.map((x, j) => x + 0.3 * ((hashed[i] as Float32Array)[j] as number)));
      });
    },
  };
}

function gradedWorld(prompts: number, seed: number): GradedExample[] {
  const random = createRng(seed);
  const rows: GradedExample[] = [];
  for (let p = 0; p < prompts; p++) {
    const concepts = [0, 1, 2].map((k) => CONCEPTS[(p * 3 + k) % CONCEPTS.length] as string);
    const rubrics = concepts.map((c, k) => ({ criterion: `Talks about ${c}.`, points: k + 3, tags: [] }));
    for (let a = 0; a < 4; a++) {
      const covered = concepts.filter(() => random() < 0.5);
      const parts = covered.length === 0 ? [`Nothing to add.${FILLER}`] : covered.map((c) => `Part on ${reversed(c)}.${FILLER}`);
      rows.push({
        prompt_id: `p${p}`,
        prompt: [{ role: "user", content: `Question ${p}?` }],
        example_tags: [],
        rubrics,
        completion: [{ role: "assistant", content: parts.join(" ") }],
        verdicts: concepts.map((c) => ({ criteria_met: covered.includes(c), explanation: "" })),
      });
    }
  }
  return rows;
}

const options = { ...DEFAULT_TRAIN_OPTIONS, maxEpochs: 25, patience: 25, validationShare: 0.25, batchSize: 32 };

async function worldSet(prompts: number, seed: number): Promise<TrainingSet> {
  const { standard } = await loadStandards();
  return buildTrainingSet(trainingSignal({ graded: gradedWorld(prompts, seed) }, 0.1), standard, conceptEncoder(seed), {});
}

describe("trainGprc on graded answers", () => {
  it("learns criterion axes that tell met from unmet on prompts it never saw", async () => {
    const set = await worldSet(48, 1);
    expect(set.counts).toMatchObject({ prompts: 48, answers: 192, verdicts: 576 });
    const result = await trainGprc(set, options);
    const best = result.history[result.bestEpoch - 1];
    expect(result.split).toEqual({ train: 36, validation: 12 });
    expect(best?.validationPairAccuracy).toBeGreaterThan(0.85);
    expect(result.history[0]?.trainLoss).toBeGreaterThan(result.history.at(-1)?.trainLoss ?? Number.POSITIVE_INFINITY);
    expect(Math.min(...result.network.alpha.dataSync())).toBeGreaterThanOrEqual(0.01); // calibration never flips an axis

    const { standard } = await loadStandards();
    const model = createGprcRewardModel(
      {
        network: result.network,
        dimensions: standard.dimensions.map((d) => d.id),
        descriptions: standard.dimensions.map((d) => d.description),
        descriptionEmbeddings: set.descriptions,
        dimensionGroups: dimensionGroupsOf(standard.dimensions.length),
        scenarioWeights: {},
        wordWeights: wordWeights(set.vocabulary),
      },
      conceptEncoder(1),
    );
    const fresh = gradedWorld(60, 9).slice(-40);
    const scores = await model.score(
      fresh.map((r) => ({ prompt: r.prompt, response: r.completion[0]?.content ?? "", rubrics: r.rubrics })),
    );
    const verdicts = fresh.flatMap((r, i) => r.verdicts.map((v, j) => (scores[i]?.criteria?.[j] ?? 0) >= 0.5 === v.criteria_met));
    expect(verdicts.filter(Boolean).length / verdicts.length).toBeGreaterThan(0.75);
    scores.forEach((s, i) => {
      expect(s.reward).toBeCloseTo(expectedRubricScore(fresh[i]?.rubrics ?? [], s.criteria ?? []), 6);
      expect(Object.values(s.scores).every((v) => v >= 0 && v <= 1)).toBe(true);
    });
    await expect(model.score([{ prompt: fresh[0]?.prompt ?? [], response: "x", scenario: "nope" }])).rejects.toThrow(
      /unknown scenario "nope"/,
    );
  }, 180_000);

  it("is reproducible for a seed", async () => {
    const set = await worldSet(8, 2);
    const short = { ...options, maxEpochs: 3, patience: 3 };
    const [a, b] = [await trainGprc(set, short), await trainGprc(set, short)];
    expect(a.history).toEqual(b.history);
    expect(Array.from(a.network.anchor.w1.dataSync())).toEqual(Array.from(b.network.anchor.w1.dataSync()));
  });

  it("leaves no tensor behind but the network it returns, however many epochs it runs", async () => {
    await useWasmBackend();
    const set = await worldSet(8, 2);
    for (const epochs of [1, 3]) {
      const before = tf.memory().numTensors;
      const { network } = await trainGprc(set, { ...options, maxEpochs: epochs, patience: epochs });
      expect(tf.memory().numTensors - before).toBe(networkVariables(network).length);
    }
  });

  it("splits by prompt: disjoint sides, the share held out", () => {
    const { train, validation } = splitGroups(10, 0.3, 0);
    expect(validation).toHaveLength(3);
    expect([...train, ...validation].sort((x, y) => x - y)).toEqual([...Array(10).keys()]);
  });

  it("adds each loss with its lambda: the combined loss is testable without training", async () => {
    const set = await worldSet(4, 3);
    const { network } = await trainGprc(set, { ...options, maxEpochs: 1 });
    const group = mergeGroups(set.groups);
    const lambdas = { axis: 0, perp: 0, inv: 0, abs: 0 };
    const loss = (axis: number) =>
      tf.tidy(() => batchLoss(network, group, set, { ...options, lambdas: { ...lambdas, axis } }).loss.dataSync()[0] as number);
    const axisTerm = tf.tidy(() => {
      const r = readRows(network, readingTensors(group, set.vectors, set.groupCount));
      const pick = (rows: number[], t: tf.Tensor2D) => tf.matMul(oneHotRows(rows, group.rows.length), t) as tf.Tensor2D;
      const met = group.axisPairs.map((p) => p.met);
      const unmet = group.axisPairs.map((p) => p.unmet);
      return criterionAxisLoss(pick(met, r.v), pick(unmet, r.v), pick(met, r.u)).dataSync()[0] as number;
    });
    expect(loss(2) - loss(0)).toBeCloseTo(2 * axisTerm, 4);

    // The absolute loss is live on graded data: cross-entropy of every verdict's calibrated score.
    const withAbs = (abs: number) =>
      tf.tidy(() => batchLoss(network, group, set, { ...options, lambdas: { ...lambdas, abs } }).loss.dataSync()[0] as number);
    const absTerm = tf.tidy(() => {
      const r = readRows(network, readingTensors(group, set.vectors, set.groupCount));
      const logits = tf.matMul(
        oneHotRows(
          group.targets.map((t) => t.row),
          group.rows.length,
        ),
        tf.expandDims(r.logits, 1),
      );
      return absoluteLoss(tf.squeeze(logits, [1]) as tf.Tensor1D, tf.tensor1d(group.targets.map((t) => t.target))).dataSync()[0] as number;
    });
    // Every verdict, and the three positive criteria of each degenerate answer (unmet).
    expect(group.targets.length).toBe(set.counts.verdicts + 3 * set.counts.degenerate_answers);
    expect(absTerm).toBeGreaterThan(0);
    expect(withAbs(3) - withAbs(0)).toBeCloseTo(3 * absTerm, 4);
  });
});
