import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/temp-dir.js";
import { CHECKPOINT_FORMAT, type CheckpointConfig, readCheckpointConfig, saveCheckpoint, type TrainingRecord } from "./checkpoint.js";
import { HEADS_FORMAT } from "./reward-heads.js";

const training: TrainingRecord = {
  seed: 0,
  lambdas: { axis: 0.5, perp: 0.5, inv: 0.1, abs: 1 },
  margin: 0.5,
  min_gap: 0.1,
  learning_rate: 0.001,
  batch_size: 64,
  max_epochs: 150,
  patience: 10,
  validation_share: 0.2,
  derived: {
    prompts: 10,
    answers: 30,
    verdicts: 0,
    pairs: 0,
    physician_pairs: 0,
    axis_targets: 0,
    units: 10,
    degenerate_answers: 0,
    contrast_answers: 0,
  },
  train_prompts: 8,
  validation_prompts: 2,
  epochs_run: 44,
  stopped_early: true,
  best_epoch: 4,
  final_train_loss: 0.3,
  best_validation_agreement: 0.5,
  best_validation_pair_accuracy: null,
  best_validation_triple_accuracy: 0.5,
};

const config: CheckpointConfig = {
  format: CHECKPOINT_FORMAT,
  encoder: { spec: "hash", id: "hash-4", dim: 4 },
  network: { hidden: 2, latent: 2, attention: 2, max_parts: 4 },
  dimensions: [{ id: "safety", name: "Safety", description: "Is safe." }],
  scenario_weights: {},
  standards_hash: "s",
  training_data_hash: "t",
  training_files: [],
  training,
  metrics: {},
  created_at: "2026-12-01T00:00:00.000Z",
};

describe("the checkpoint's training record", () => {
  it("is written and read by one schema: a renamed field is refused, naming it", async () => {
    const dir = await tempDir();
    await saveCheckpoint(
      dir,
      config,
      [],
      { documents: 0, words: [] },
      { format: HEADS_FORMAT, criterion: null, answer: null, length: { answer: 0, rubric: 0 }, rubric_safety: 0, fit: {} },
    );
    expect((await readCheckpointConfig(dir)).training).toEqual(training);
    const file = join(dir, "config.json");
    const json = JSON.parse(await readFile(file, "utf8"));
    json.training.best = json.training.best_epoch;
    delete json.training.best_epoch;
    await writeFile(file, JSON.stringify(json));
    await expect(readCheckpointConfig(dir)).rejects.toThrow(`${file}: training.best_epoch: `);
  });

  it("types its writer: a renamed field does not compile", () => {
    const { best_epoch, ...rest } = training;
    // @ts-expect-error: `best` is not a field of the training record; `best_epoch` is
    const renamed: TrainingRecord = { ...rest, best: best_epoch };
    expect(renamed).toBeDefined();
  });
});
