/**
 * A real GPRC model, briefly trained on the seed set over hash vectors, with the model info the
 * reward server describes it by: for server tests and benchmarks, where the encoder is not what
 * is measured. `trainSeedModel` trains the same over any encoder.
 */
import type { Encoder } from "../src/core/types.js";
import { trainRewardModel } from "../src/rm/reward-model-files.js";
import { DEFAULT_TRAIN_OPTIONS } from "../src/rm/train-options.js";
import type { ModelInfo } from "../src/server/reward-app.js";
import { loadStandards } from "../src/standards/load-standards.js";
import { loadSeedUnits } from "../src/synth/seed-set.js";
import { createHashEncoder } from "./hash-encoder.js";

export async function trainSeedModel(encoder: { spec: string; encoder: Encoder }, options: { units?: number; epochs: number }) {
  const loaded = await loadStandards();
  const units = (await loadSeedUnits()).slice(0, options.units);
  const trained = await trainRewardModel({ units }, loaded, encoder, { ...DEFAULT_TRAIN_OPTIONS, maxEpochs: options.epochs });
  const info: ModelInfo = {
    dimensions: trained.model.dimensions,
    standards_hash: loaded.hash,
    encoder: encoder.encoder.id,
    scenarios: loaded.standard.scenarios.map((s) => s.id),
  };
  return { model: trained.model, info, loaded };
}

export const trainHashModel = (options: { dim: number; units?: number; epochs: number }) =>
  trainSeedModel({ spec: "hash", encoder: createHashEncoder(options.dim) }, options);

/** The scoring thread's loader (src/server/scoring-thread.ts) for servers over this model. */
export const loadServedModel = trainHashModel;
