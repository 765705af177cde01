/**
 * A GPRC model over USE-lite, the offline default encoder, briefly trained on part of the seed
 * set: the reward-server benchmark's model when the encoder's cost is to count too, as it does
 * for a model served with `medrubric serve`.
 */
import { createEncoder } from "../src/encoders/encoder-spec.js";
import { trainSeedModel } from "../test/hash-model.js";

/** The scoring thread's loader (src/server/scoring-thread.ts). */
export const loadServedModel = async (options: { units?: number; epochs: number }) =>
  trainSeedModel({ spec: "use-lite", encoder: await createEncoder("use-lite") }, options);
