/**
 * Training the GPRC network: Adam on L_rank + l_axis L_axis + l_perp L_perp + l_inv L_inv +
 * l_abs L_abs over mini-batches of prompts (every answer of a prompt in one batch, so preference
 * pairs are scored together), seeded, with a validation split by prompt and early stopping on the
 * validation agreement (pairwise order of rubric scores and triple order of units); the best
 * epoch's weights are kept. Calibration (alpha_g > 0, beta_g) is trained with the rest, by the
 * absolute loss.
 */
import * as tf from "@tensorflow/tfjs";
import { seededShuffle } from "../core/random.js";
import {
  absoluteLoss,
  axisLoss,
  criterionAxisLoss,
  criterionRankingLoss,
  invarianceLoss,
  perpendicularLoss,
  preferenceLoss,
  rankingLoss,
} from "./gprc-losses.js";
import { createNetwork, type GprcNetwork, networkVariables, oneHotRows, type RowReadings, readRows } from "./gprc-network.js";
import { concatEvidence, EVIDENCE_FEATURES, type RowsEvidence, readingTensors, rowsEvidence } from "./reading-batch.js";
import { useWasmBackend } from "./tf-backend.js";
import type { EpochStats, TrainOptions } from "./train-options.js";
import { mergeGroups, type TrainingGroup, type TrainingSet } from "./training-set.js";

export interface TrainResult {
  network: GprcNetwork;
  history: EpochStats[];
  bestEpoch: number;
  split: { train: number; validation: number };
  /** Indices of the groups held out for early stopping (never trained on). */
  validationGroups: number[];
  stoppedEarly: boolean;
}

/** Validation groups: a seeded share of them (at least one when there are two or more). */
export function splitGroups(count: number, share: number, seed: number): { train: number[]; validation: number[] } {
  const order = seededShuffle(
    Array.from({ length: count }, (_, i) => i),
    seed,
  );
  const held = count < 2 || share <= 0 ? 0 : Math.max(1, Math.round(count * share));
  return { validation: order.slice(0, held).sort((a, b) => a - b), train: order.slice(held) };
}

/** Consecutive groups packed into batches of about `answers` answers. */
function batchesOf(groups: readonly number[], set: TrainingSet, answers: number): number[][] {
  const batches: number[][] = [];
  let current: number[] = [];
  let size = 0;
  for (const g of groups) {
    current.push(g);
    size += (set.groups[g] as TrainingGroup).answers.length;
    if (size >= answers) {
      batches.push(current);
      current = [];
      size = 0;
    }
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

interface BatchOutcome {
  loss: tf.Scalar;
  /** Preference gaps R_better - R_worse, and units' own-dimension scores. */
  gaps: tf.Tensor1D | null;
  units: { sb: tf.Tensor1D; sr: tf.Tensor1D; sw: tf.Tensor1D } | null;
}

const pick = (readings: tf.Tensor, rows: number[], total: number) => tf.matMul(oneHotRows(rows, total), readings);
const pick1 = (values: tf.Tensor1D, rows: number[], total: number) =>
  tf.squeeze(pick(tf.expandDims(values, 1), rows, total), [1]) as tf.Tensor1D;

/** Rubric scores of every score set: sum of points x P(met) over the positive points. */
function scoreSetValues(group: TrainingGroup, readings: RowReadings): tf.Tensor1D {
  const rows = group.rows.length;
  const weights = new Float32Array(group.scoreSets.length * rows);
  group.scoreSets.forEach((set, i) => {
    set.rows.forEach((row, j) => {
      weights[i * rows + row] = (set.points[j] as number) / set.positive;
    });
  });
  const p = tf.expandDims(tf.sigmoid(readings.logits), 1);
  return tf.squeeze(tf.matMul(tf.tensor2d(weights, [group.scoreSets.length, rows]), p), [1]) as tf.Tensor1D;
}

/** The total loss of one merged batch, and what validation measures; `evidence` is the batch's rowsEvidence when known. */
export function batchLoss(
  network: GprcNetwork,
  group: TrainingGroup,
  set: TrainingSet,
  options: TrainOptions,
  evidence?: RowsEvidence,
): BatchOutcome {
  const { lambdas } = options;
  const batch = readingTensors(group, set.vectors, set.groupCount, evidence);
  const readings = readRows(network, batch);
  const n = group.rows.length;
  const terms: tf.Scalar[] = [];
  let gaps: tf.Tensor1D | null = null;
  if (group.pairs.length > 0) {
    const values = tf.expandDims(scoreSetValues(group, readings), 1);
    const better = pick(
      values,
      group.pairs.map((p) => p.better),
      group.scoreSets.length,
    );
    const worse = pick(
      values,
      group.pairs.map((p) => p.worse),
      group.scoreSets.length,
    );
    gaps = tf.squeeze(tf.sub(better, worse), [1]) as tf.Tensor1D;
    terms.push(preferenceLoss(gaps));
  }
  if (group.targets.length > 0 && lambdas.abs > 0) {
    const logits = pick1(
      readings.logits,
      group.targets.map((t) => t.row),
      n,
    );
    terms.push(tf.mul(absoluteLoss(logits, tf.tensor1d(group.targets.map((t) => t.target))), lambdas.abs));
  }
  if (group.axisPairs.length > 0) {
    const met = group.axisPairs.map((p) => p.met);
    const unmet = group.axisPairs.map((p) => p.unmet);
    terms.push(criterionRankingLoss(pick1(readings.s, met, n), pick1(readings.s, unmet, n), options.margin));
  }
  if (group.axisPairs.length > 0 && lambdas.axis > 0) {
    const met = group.axisPairs.map((p) => p.met);
    const vMet = pick(readings.v, met, n) as tf.Tensor2D;
    const vUnmet = pick(
      readings.v,
      group.axisPairs.map((p) => p.unmet),
      n,
    ) as tf.Tensor2D;
    terms.push(tf.mul(criterionAxisLoss(vMet, vUnmet, pick(readings.u, met, n) as tf.Tensor2D), lambdas.axis));
  }
  let units: BatchOutcome["units"] = null;
  if (group.units.length > 0) {
    const rows = (key: "good" | "medium" | "poor") => group.units.map((u) => u[key]);
    const [sb, sr, sw] = (["good", "medium", "poor"] as const).map((key) => pick1(readings.s, rows(key), n));
    const [vb, vr, vw] = (["good", "medium", "poor"] as const).map((key) => pick(readings.v, rows(key), n)) as [
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor2D,
    ];
    units = { sb: sb as tf.Tensor1D, sr: sr as tf.Tensor1D, sw: sw as tf.Tensor1D };
    terms.push(rankingLoss(units.sb, units.sr, units.sw, options.margin));
    if (lambdas.axis > 0) terms.push(tf.mul(axisLoss(vb, vr, vw, pick(readings.u, rows("good"), n) as tf.Tensor2D), lambdas.axis));
    if (lambdas.perp > 0) terms.push(tf.mul(perpendicularLoss(vb, vr, vw, units.sb, units.sr, units.sw), lambdas.perp));
    if (lambdas.inv > 0) {
      const dims = group.units[0]?.goodAll.length ?? 0;
      const all = (key: "goodAll" | "poorAll") =>
        tf.reshape(
          pick1(
            readings.s,
            group.units.flatMap((u) => u[key]),
            n,
          ),
          [group.units.length, dims],
        ) as tf.Tensor2D;
      const own = oneHotRows(
        group.units.map((u) => u.dimension),
        dims,
      );
      terms.push(tf.mul(invarianceLoss(all("goodAll"), all("poorAll"), own), lambdas.inv));
    }
  }
  const loss = terms.length > 0 ? (tf.addN(terms) as tf.Scalar) : tf.scalar(0);
  return { loss, gaps, units };
}

/**
 * Validation agreement: the share of preference pairs between real answers in order (a degenerate
 * answer is beaten within an epoch or two, and would only dilute it) and of units in triple
 * order, averaged over what exists.
 */
function agreement(outcome: BatchOutcome, group: TrainingGroup): { pairs: number[]; triples: number[] } {
  const gaps = outcome.gaps ? outcome.gaps.dataSync() : [];
  const pairs = group.pairs.flatMap((pair, i) => {
    const g = gaps[i] as number;
    return pair.degenerate ? [] : [g > 0 ? 1 : g === 0 ? 0.5 : 0];
  });
  const triples: number[] = [];
  if (outcome.units) {
    const [b, r, w] = [outcome.units.sb, outcome.units.sr, outcome.units.sw].map((t) => t.dataSync());
    for (let i = 0; i < (b?.length ?? 0); i++)
      triples.push((b?.[i] as number) > (r?.[i] as number) && (r?.[i] as number) > (w?.[i] as number) ? 1 : 0);
  }
  return { pairs, triples };
}

const mean = (values: number[]) => (values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length);

/** Groups merged into one batch, with its rows' evidence. */
interface Batch {
  group: TrainingGroup;
  evidence: RowsEvidence;
}

function evaluate(network: GprcNetwork, set: TrainingSet, batches: readonly Batch[], options: TrainOptions) {
  const pairs: number[] = [];
  const triples: number[] = [];
  let loss = 0;
  let weight = 0;
  for (const { group, evidence } of batches) {
    tf.tidy(() => {
      const outcome = batchLoss(network, group, set, options, evidence);
      const measured = agreement(outcome, group);
      pairs.push(...measured.pairs);
      triples.push(...measured.triples);
      loss += (outcome.loss.dataSync()[0] as number) * group.answers.length;
      weight += group.answers.length;
    });
  }
  const parts = [mean(pairs), mean(triples)].filter((x): x is number => x !== null);
  return { loss: loss / Math.max(1, weight), agreement: mean(parts), pairAccuracy: mean(pairs), tripleAccuracy: mean(triples) };
}

const MIN_ALPHA = 0.01;

export async function trainGprc(set: TrainingSet, options: TrainOptions): Promise<TrainResult> {
  await useWasmBackend();
  const network = createNetwork(
    {
      inputDim: set.vectors[0]?.length ?? 0,
      hidden: options.hidden,
      latent: options.latent,
      attention: options.attention,
      groups: set.groupCount,
      evidence: EVIDENCE_FEATURES,
    },
    options.seed,
  );
  const variables = networkVariables(network);
  const optimizer = tf.train.adam(options.learningRate);
  const { train, validation } = splitGroups(set.groups.length, options.validationShare, options.seed);
  // Each group's evidence depends on the vectors only: computed once, not in every epoch.
  const groupEvidence = set.groups.map((group) => rowsEvidence(group, set.vectors));
  const merged = (groups: number[]): Batch => ({
    group: mergeGroups(groups.map((g) => set.groups[g] as TrainingGroup)),
    evidence: concatEvidence(groups.map((g) => groupEvidence[g] as RowsEvidence)),
  });
  // Batches of the training size: a batch's masks grow with the square of its size, so larger ones are slower, not faster.
  const validationBatches = batchesOf(validation, set, options.batchSize).map(merged);
  const history: EpochStats[] = [];
  const snapshot = () => variables.map((v) => v.dataSync().slice());
  let best = { epoch: 0, agreement: -1, loss: Number.POSITIVE_INFINITY, weights: snapshot() };
  let stoppedEarly = false;
  for (let epoch = 1; epoch <= options.maxEpochs; epoch++) {
    let total = 0;
    let answers = 0;
    for (const batch of batchesOf(seededShuffle(train, options.seed + epoch), set, options.batchSize)) {
      const { group, evidence } = merged(batch);
      const loss = optimizer.minimize(() => batchLoss(network, group, set, options, evidence).loss, true, variables) as tf.Scalar;
      // Calibration keeps the order of s: alpha stays positive, so no axis is ever flipped.
      tf.tidy(() => network.alpha.assign(tf.maximum(network.alpha, MIN_ALPHA)));
      total += (loss.dataSync()[0] as number) * group.answers.length;
      answers += group.answers.length;
      loss.dispose();
    }
    const held = validation.length > 0 ? evaluate(network, set, validationBatches, options) : null;
    const stats: EpochStats = {
      epoch,
      trainLoss: total / Math.max(1, answers),
      validationLoss: held?.loss ?? null,
      validationAgreement: held?.agreement ?? null,
      validationPairAccuracy: held?.pairAccuracy ?? null,
      validationTripleAccuracy: held?.tripleAccuracy ?? null,
    };
    history.push(stats);
    options.onEpoch?.(stats);
    const score = { agreement: held?.agreement ?? 0, loss: held?.loss ?? stats.trainLoss };
    if (score.agreement > best.agreement || (score.agreement === best.agreement && score.loss < best.loss)) {
      best = { epoch, ...score, weights: snapshot() };
    } else if (epoch - best.epoch >= options.patience) {
      stoppedEarly = epoch < options.maxEpochs;
      break;
    }
  }
  tf.tidy(() => {
    variables.forEach((v, i) => {
      v.assign(tf.tensor(best.weights[i] as Float32Array, v.shape));
    });
  });
  optimizer.dispose();
  return {
    network,
    history,
    bestEpoch: best.epoch,
    split: { train: train.length, validation: validation.length },
    validationGroups: validation,
    stoppedEarly,
  };
}
