/**
 * A GPRC model over a real offline encoder (`use-lite`, the default, or `glove`), briefly trained
 * on part of the seed set: the reward-server benchmark's model when the encoder's cost is to count
 * too, as it does for a model served with `medrubric serve`.
 */
import { createEncoder } from "../src/encoders/encoder-spec.js";
import { trainSeedModel } from "../test/hash-model.js";

/** The scoring thread's loader (src/server/scoring-thread.ts). */
export const loadServedModel = async (options: { encoder: "use-lite" | "glove"; units?: number; epochs: number }) =>
  trainSeedModel({ spec: options.encoder, encoder: await createEncoder(options.encoder) }, options);
