/**
 * Training a reward model into a directory, and loading one: the glue between the training
 * data (units, graded answers, HealthBench rows), the standard, the encoder, the trainer and the checkpoint. Loading refuses a different encoder
 * (its vectors would mean nothing to the weights) and warns, or with `refuseStandardMismatch`
 * refuses, when the standard differs from the one the model was trained with.
 */
import * as tf from "@tensorflow/tfjs";
import { ConfigError, InputError } from "../core/errors.js";
import { hashJson } from "../core/hash.js";
import type { Encoder, RewardModel } from "../core/types.js";
import type { LoadedStandard } from "../standards/load-standards.js";
import { checkStandardHash } from "../standards/lock.js";
import { stemWeights } from "./answer-cues.js";
import {
  CHECKPOINT_FORMAT,
  type CheckpointConfig,
  loadCheckpoint,
  type ModelCalibration,
  modelCalibration,
  saveCheckpoint,
  type TrainingFile,
} from "./checkpoint.js";
import { DIMENSION_GROUP_OFFSET } from "./gprc-network.js";
import {
  createGprcRewardModel,
  createNetworkReader,
  dimensionGroupsOf,
  type GprcModelParts,
  networkFromTensors,
  networkTensors,
} from "./gprc-reward-model.js";
import { fitRewardHeads, headData } from "./head-training.js";
import { EVIDENCE_FEATURES } from "./reading-batch.js";
import { type HeadsFile, rewardHeads } from "./reward-heads.js";
import { useWasmBackend } from "./tf-backend.js";
import { type TrainResult, trainGprc } from "./train-gprc.js";
import type { TrainOptions } from "./train-options.js";
import { buildTrainingSet, type TrainingSet } from "./training-set.js";
import { type TrainingData, trainingSignal } from "./training-signal.js";
import { wordWeights } from "./word-evidence.js";

export interface TrainedModel {
  model: RewardModel;
  config: CheckpointConfig;
  /** What P(met) was calibrated on: `onVerdicts` false for a model trained without a grader's verdicts (the demo's). */
  calibration: ModelCalibration;
}

/** Training data with the files it came from (recorded in the model directory). */
export interface TrainingInput extends TrainingData {
  files?: TrainingFile[];
}

/** The encoder, answering the texts of the training set from its vectors: the heads read every training answer again. */
function withTrainingVectors(encoder: Encoder, set: TrainingSet): Encoder {
  return {
    id: encoder.id,
    dim: encoder.dim,
    async embed(texts) {
      const embedded = await encoder.embed(texts.filter((text) => !set.textIds.has(text)));
      let next = 0;
      return texts.map((text) => {
        const id = set.textIds.get(text);
        return id === undefined ? (embedded[next++] as Float32Array) : (set.vectors[id] as Float32Array);
      });
    },
  };
}

export async function trainRewardModel(
  input: TrainingInput,
  loaded: LoadedStandard,
  encoder: { spec: string; encoder: Encoder },
  options: TrainOptions,
): Promise<
  TrainedModel & {
    save(dir: string): Promise<void>;
    set: TrainingSet;
    result: TrainResult;
    heads: HeadsFile;
    /** The parts alone, for what each adds: the network without heads, and heads fitted again without the network's logits. */
    ablations(): Promise<{ network: RewardModel; heads: RewardModel }>;
  }
> {
  const { standard } = loaded;
  // One derivation of the training signal, read by the network and by the heads.
  const signal = trainingSignal(input, options.minGap);
  const set = await buildTrainingSet(signal, standard, encoder.encoder, { maxParts: options.maxParts });
  const files = input.files ?? [];
  if (set.groups.length === 0) throw new InputError({ file: files.map((f) => f.path).join(", ") }, "no training signal in these files");
  const result = await trainGprc(set, options);
  const vocabulary = wordWeights(set.vocabulary);
  const networkParts = (heads: GprcModelParts["heads"]): GprcModelParts => ({
    network: result.network,
    dimensions: standard.dimensions.map((d) => d.id),
    descriptions: standard.dimensions.map((d) => d.description),
    descriptionEmbeddings: set.descriptions,
    dimensionGroups: dimensionGroupsOf(standard.dimensions.length),
    wordWeights: vocabulary,
    scenarioWeights: Object.fromEntries(standard.scenarios.map((s) => [s.id, s.weights])),
    maxParts: options.maxParts,
    heads,
  });
  const validation = new Set(result.validationGroups.map((g) => set.keys[g] as string));
  const network = createNetworkReader(networkParts(null), withTrainingVectors(encoder.encoder, set));
  const data = headData(signal);
  const headsFile = await fitRewardHeads(data, network, set.vocabulary, validation);
  const best = result.history[result.bestEpoch - 1];
  const config: CheckpointConfig = {
    format: CHECKPOINT_FORMAT,
    encoder: { spec: encoder.spec, id: encoder.encoder.id, dim: encoder.encoder.dim },
    network: { hidden: options.hidden, latent: options.latent, attention: options.attention, max_parts: options.maxParts },
    dimensions: standard.dimensions.map(({ id, name, description, healthbench_axis }) => ({ id, name, description, healthbench_axis })),
    scenario_weights: Object.fromEntries(standard.scenarios.map((s) => [s.id, s.weights])),
    standards_hash: loaded.hash,
    training_data_hash: hashJson([files.map((f) => f.sha256), set.counts]),
    training_files: files,
    training: {
      seed: options.seed,
      lambdas: options.lambdas,
      margin: options.margin,
      min_gap: options.minGap,
      learning_rate: options.learningRate,
      batch_size: options.batchSize,
      max_epochs: options.maxEpochs,
      patience: options.patience,
      validation_share: options.validationShare,
      derived: set.counts,
      train_prompts: result.split.train,
      validation_prompts: result.split.validation,
      epochs_run: result.history.length,
      stopped_early: result.stoppedEarly,
      best_epoch: result.bestEpoch,
      final_train_loss: result.history.at(-1)?.trainLoss,
      best_validation_agreement: best?.validationAgreement ?? null,
      best_validation_pair_accuracy: best?.validationPairAccuracy ?? null,
      best_validation_triple_accuracy: best?.validationTripleAccuracy ?? null,
    },
    calibration: {
      on_verdicts: set.counts.verdicts > 0 && headsFile.criterion !== null,
      verdicts: set.counts.verdicts,
      criterion_head: headsFile.criterion ? String(headsFile.fit.criterion_calibrated_on) : null,
    },
    metrics: {},
    created_at: new Date().toISOString(),
  };
  const headsOf = (file: HeadsFile) => ({
    heads: rewardHeads(file, stemWeights(set.vocabulary)),
    stemWeights: stemWeights(set.vocabulary),
  });
  const heads = headsOf(headsFile);
  return {
    model: createGprcRewardModel(networkParts(heads), encoder.encoder),
    config,
    calibration: modelCalibration(config),
    set,
    result,
    heads: headsFile,
    async ablations() {
      // The network's logits as 0 and its scores as 0.5: the stack then has nothing of the network to weigh (its weight stays 0).
      const blind = async (requests: Parameters<typeof network>[0]) =>
        (await network(requests)).map((r) => ({
          ...r,
          dimensions: r.dimensions.map(() => 0.5),
          criteria: r.criteria.map(() => 0.5),
          criterionLogits: r.criterionLogits.map(() => 0),
        }));
      const alone = await fitRewardHeads(data, blind, set.vocabulary, validation);
      return {
        network: createGprcRewardModel(networkParts(null), encoder.encoder),
        heads: createGprcRewardModel(networkParts(headsOf(alone)), encoder.encoder),
      };
    },
    save: (dir) =>
      saveCheckpoint(dir, config, [...networkTensors(result.network), descriptionTensor(set.descriptions)], set.vocabulary, headsFile),
  };
}

const descriptionTensor = (rows: readonly Float32Array[]) => {
  const values = new Float32Array(rows.reduce((n, r) => n + r.length, 0));
  rows.forEach((r, i) => {
    values.set(r, i * r.length);
  });
  return { name: "descriptions", shape: [rows.length, rows[0]?.length ?? 0], values };
};

export interface LoadOptions {
  encoder: Encoder;
  /** When given, the model scores this standard's dimensions and weights (new dimensions get an axis from their description). */
  standard?: LoadedStandard;
  refuseStandardMismatch?: boolean;
}

export async function loadRewardModel(dir: string, options: LoadOptions): Promise<TrainedModel & { warnings: string[] }> {
  const { config, tensors, vocabulary, heads } = await loadCheckpoint(dir);
  await useWasmBackend();
  const { encoder } = options;
  if (encoder.id !== config.encoder.id) {
    throw new ConfigError(
      `${dir} was trained with encoder ${config.encoder.id} ("${config.encoder.spec}"), not ${encoder.id}; load it with --encoder ${config.encoder.spec}`,
    );
  }
  const warnings: string[] = [];
  const standard = options.standard;
  if (standard) {
    const warning = checkStandardHash(`the model in ${dir}`, config.standards_hash, standard.hash, options.refuseStandardMismatch);
    if (warning) warnings.push(warning);
  }
  const saved = config.dimensions.map((d) => d.id);
  const dimensions = standard ? standard.standard.dimensions : config.dimensions;
  const network = networkFromTensors(tensors, {
    inputDim: config.encoder.dim,
    hidden: config.network.hidden,
    latent: config.network.latent,
    attention: config.network.attention,
    groups: DIMENSION_GROUP_OFFSET + saved.length,
    evidence: EVIDENCE_FEATURES,
  });
  const descriptions = tensors.get("descriptions");
  const savedDescription = (i: number) => descriptions?.values.slice(i * config.encoder.dim, (i + 1) * config.encoder.dim) as Float32Array;
  // Dimensions whose description is new (or changed) are embedded now; calibration is looked up by id, the mean for new ones.
  const changed = dimensions.filter((d) => config.dimensions[saved.indexOf(d.id)]?.description !== d.description);
  const changedVectors = new Map((await encoder.embed(changed.map((d) => d.description))).map((v, i) => [changed[i]?.id as string, v]));
  // A dimension the model was not trained on gets a calibration group of its own, the mean of the trained dimensions'.
  const alpha = Array.from(network.alpha.dataSync());
  const beta = Array.from(network.beta.dataSync());
  const trained = (values: number[]) => values.slice(DIMENSION_GROUP_OFFSET);
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const fresh = dimensions.filter((d) => !saved.includes(d.id));
  const evidence = (await network.evidence.array()) as number[][];
  const trainedEvidence = evidence.slice(DIMENSION_GROUP_OFFSET);
  const meanEvidence = (evidence[0] ?? []).map((_, f) => mean(trainedEvidence.map((row) => row[f] as number)));
  // The per-group variables grow by the new dimensions' rows; the old ones are freed (a server loads models for its whole life).
  tf.dispose([network.alpha, network.beta, network.evidence]);
  tf.tidy(() => {
    network.alpha = tf.variable(tf.tensor1d([...alpha, ...fresh.map(() => mean(trained(alpha)))]));
    network.beta = tf.variable(tf.tensor1d([...beta, ...fresh.map(() => mean(trained(beta)))]));
    network.evidence = tf.variable(tf.tensor2d([...evidence, ...fresh.map(() => meanEvidence)]));
  });
  network.shape = { ...network.shape, groups: alpha.length + fresh.length };
  const model = createGprcRewardModel(
    {
      network,
      dimensions: dimensions.map((d) => d.id),
      descriptions: dimensions.map((d) => d.description),
      descriptionEmbeddings: dimensions.map((d) => changedVectors.get(d.id) ?? savedDescription(saved.indexOf(d.id))),
      wordWeights: wordWeights(vocabulary),
      heads: { heads: rewardHeads(heads, stemWeights(vocabulary)), stemWeights: stemWeights(vocabulary) },
      dimensionGroups: dimensions.map((d) =>
        saved.includes(d.id) ? DIMENSION_GROUP_OFFSET + saved.indexOf(d.id) : alpha.length + fresh.indexOf(d),
      ),
      scenarioWeights: standard ? Object.fromEntries(standard.standard.scenarios.map((s) => [s.id, s.weights])) : config.scenario_weights,
      maxParts: config.network.max_parts,
    },
    encoder,
  );
  return { model, config, calibration: modelCalibration(config), warnings };
}
