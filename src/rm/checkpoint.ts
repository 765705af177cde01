/**
 * A trained reward model is a directory: `config.json` (encoder, dimensions and their
 * descriptions, scenario weights, the standard's and the training data's hashes, training
 * settings, metrics), the weights as `weights.bin` (float32, little-endian) with their
 * manifest `weights.json`, the word frequencies of the word cover, `vocabulary.json`, and the reward
 * heads stacked on the network, `heads.json` (reward-heads.ts). Loading validates the config and
 * refuses weights that do not fit it.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { ConfigError, InputError } from "../core/errors.js";
import { writeFileAtomic } from "../io/output-file.js";
import { readBytesFile, readJsonFileAs } from "../io/read-file.js";
import { type HeadsFile, headsSchema } from "./reward-heads.js";
import { type Vocabulary, vocabularySchema } from "./word-evidence.js";

export const CHECKPOINT_FORMAT = "medrubric-gprc/3";

/** A training file and what was derived from it. */
export const trainingFileSchema = z.object({
  path: z.string(),
  kind: z.enum(["units", "graded", "healthbench"]),
  sha256: z.string(),
  rows: z.number().int().nonnegative(),
});
export type TrainingFile = z.infer<typeof trainingFileSchema>;

const lambdasSchema = z.object({ axis: z.number(), perp: z.number(), inv: z.number(), abs: z.number() });

/** How the model was trained and what training reached: written by trainRewardModel, read by `train`'s summary and by people. */
export const trainingRecordSchema = z.object({
  seed: z.number().int(),
  lambdas: lambdasSchema,
  margin: z.number(),
  min_gap: z.number(),
  learning_rate: z.number(),
  batch_size: z.number().int().positive(),
  max_epochs: z.number().int().positive(),
  patience: z.number().int(),
  validation_share: z.number(),
  /** What was derived from the training files. */
  derived: z.object({
    prompts: z.number().int().nonnegative(),
    answers: z.number().int().nonnegative(),
    verdicts: z.number().int().nonnegative(),
    pairs: z.number().int().nonnegative(),
    physician_pairs: z.number().int().nonnegative(),
    axis_targets: z.number().int().nonnegative(),
    units: z.number().int().nonnegative(),
    degenerate_answers: z.number().int().nonnegative().default(0),
    contrast_answers: z.number().int().nonnegative().default(0),
  }),
  train_prompts: z.number().int().nonnegative(),
  validation_prompts: z.number().int().nonnegative(),
  epochs_run: z.number().int().nonnegative(),
  stopped_early: z.boolean(),
  best_epoch: z.number().int().nonnegative(),
  final_train_loss: z.number().optional(),
  best_validation_agreement: z.number().nullable(),
  best_validation_pair_accuracy: z.number().nullable(),
  best_validation_triple_accuracy: z.number().nullable(),
});
export type TrainingRecord = z.infer<typeof trainingRecordSchema>;

/**
 * What the model's P(met) was calibrated on, for the commands that take P(met) as a probability
 * (`serve --triage` lets it stand in for the judge): written by training, read on loading.
 */
export const calibrationRecordSchema = z.object({
  /** P(met) was fitted and calibrated on a grader's verdicts (graded answers), not only on units and physician pairs. */
  on_verdicts: z.boolean(),
  /** Verdicts trained on. */
  verdicts: z.number().int().nonnegative(),
  /** Where the P(met) head's stack was calibrated ("validation prompts", ...); null: no P(met) head. */
  criterion_head: z.string().nullable(),
});

/** A model's calibration as a plain property of the loaded model (`calibration`). */
export interface ModelCalibration {
  onVerdicts: boolean;
  verdicts: number;
  calibratedOn: string | null;
}

export const checkpointConfigSchema = z.object({
  format: z.literal(CHECKPOINT_FORMAT, {
    error: (issue) =>
      `expected "${CHECKPOINT_FORMAT}", found ${JSON.stringify(issue.input)}: a model of an older medrubric; train it again with this version`,
  }),
  encoder: z.object({ spec: z.string(), id: z.string(), dim: z.number().int().positive() }),
  network: z.object({
    hidden: z.number().int().positive(),
    latent: z.number().int().positive(),
    attention: z.number().int().positive(),
    max_parts: z.number().int().positive(),
  }),
  dimensions: z
    .array(z.object({ id: z.string(), name: z.string(), description: z.string(), healthbench_axis: z.string().optional() }))
    .min(1),
  scenario_weights: z.record(z.string(), z.record(z.string(), z.number())),
  standards_hash: z.string(),
  training_data_hash: z.string(),
  training_files: z.array(trainingFileSchema).default([]),
  training: trainingRecordSchema,
  /** Absent in models trained before it was recorded: their training record's verdict count says it (modelCalibration). */
  calibration: calibrationRecordSchema.optional(),
  metrics: z.record(z.string(), z.unknown()).default({}),
  created_at: z.string(),
});
export type CheckpointConfig = z.infer<typeof checkpointConfigSchema>;

/** The model's calibration; for a model trained before it was recorded, from the verdicts its training derived. */
export function modelCalibration(config: CheckpointConfig): ModelCalibration {
  const record = config.calibration ?? {
    on_verdicts: config.training.derived.verdicts > 0,
    verdicts: config.training.derived.verdicts,
    criterion_head: null,
  };
  return { onVerdicts: record.on_verdicts, verdicts: record.verdicts, calibratedOn: record.criterion_head };
}

export interface NamedTensor {
  name: string;
  shape: number[];
  values: Float32Array;
}

const manifestSchema = z.array(
  z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()), offset: z.number().int().nonnegative() }),
);

export async function saveCheckpoint(
  dir: string,
  config: CheckpointConfig,
  tensors: readonly NamedTensor[],
  vocabulary: Vocabulary,
  heads: HeadsFile,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  let offset = 0;
  const manifest = tensors.map(({ name, shape, values }) => {
    const entry = { name, shape, offset };
    offset += values.length;
    return entry;
  });
  const weights = new Float32Array(offset);
  tensors.forEach((t, i) => {
    weights.set(t.values, manifest[i]?.offset);
  });
  const write = (file: string, data: string | Uint8Array) => writeFileAtomic(join(dir, file), data);
  await write("weights.bin", new Uint8Array(weights.buffer));
  await write("weights.json", `${JSON.stringify(manifest, null, 2)}\n`);
  await write("vocabulary.json", `${JSON.stringify(vocabulary)}\n`);
  await write("heads.json", `${JSON.stringify(headsSchema.parse(heads))}\n`);
  await write("config.json", `${JSON.stringify(config, null, 2)}\n`);
}

const readJson = <S extends z.ZodType>(dir: string, file: string, schema: S) =>
  readJsonFileAs(join(dir, file), schema, ` (is ${dir} a model directory?)`);

export const readCheckpointConfig = (dir: string): Promise<CheckpointConfig> => readJson(dir, "config.json", checkpointConfigSchema);

export async function loadCheckpoint(
  dir: string,
): Promise<{ config: CheckpointConfig; tensors: Map<string, NamedTensor>; vocabulary: Vocabulary; heads: HeadsFile }> {
  const config = await readCheckpointConfig(dir);
  const manifest = await readJson(dir, "weights.json", manifestSchema);
  const vocabulary = await readJson(dir, "vocabulary.json", vocabularySchema);
  const heads = await readJson(dir, "heads.json", headsSchema);
  const file = join(dir, "weights.bin");
  const bytes = await readBytesFile(file, ` (is ${dir} a model directory?)`);
  if (bytes.byteLength % 4 !== 0) throw new ConfigError(`${file}: ${bytes.byteLength} bytes is not a whole number of float32 weights`);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const tensors = new Map<string, NamedTensor>();
  for (const { name, shape, offset } of manifest) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (offset + size > all.length) throw new ConfigError(`${file}: too short for tensor ${name}`);
    const values = all.slice(offset, offset + size);
    refuseNonFinite(file, name, values);
    tensors.set(name, { name, shape, values });
  }
  return { config, tensors, vocabulary, heads };
}

/** A NaN or infinite weight makes every score NaN (null in JSON) and every ranking meaningless: refused at load. */
function refuseNonFinite(file: string, name: string, values: Float32Array): void {
  const index = values.findIndex((value) => !Number.isFinite(value));
  if (index < 0) return;
  throw new InputError({ file, field: `${name}[${index}]` }, `weight is ${values[index]}; the model is broken (retrain it)`);
}
