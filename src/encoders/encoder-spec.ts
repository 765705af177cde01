/**
 * Encoders named on the command line: `use-lite` (embedded, the default), `glove` (GloVe word
 * vectors with SIF weighting, offline and about 1,000x faster), `openai:URL#MODEL` (any
 * OpenAI-compatible /v1/embeddings server), `onnx:DIR` (a local transformers.js model directory,
 * run in process), or `A+B`, two of these side by side (e.g. `use-lite+glove`). Long texts are
 * chunked and pooled; with a store, vectors are cached there, except GloVe's: computing one is
 * about as fast as reading it back, and writing it would halve the cold throughput. GloVe's
 * converted word vectors live in the store's folder.
 */

import { UsageError } from "../core/errors.js";
import type { Encoder } from "../core/types.js";
import { normaliseBaseUrl, resolveApiKey } from "../llm/endpoint.js";
import { createLlmClient } from "../llm/openai-client.js";
import type { Store } from "../store/store.js";
import { withCache } from "./cached-encoder.js";
import { withChunking } from "./chunked-encoder.js";
import { createConcatEncoder } from "./concat-encoder.js";
import { createEncoderPool } from "./encoder-pool.js";
import { createGloveEncoder } from "./glove-encoder.js";
import { createOnnxEncoder } from "./onnx-encoder.js";
import { createOpenAIEncoder } from "./openai-encoder.js";
import { withProgressReport } from "./reporting-encoder.js";
import { createUseLiteEncoder } from "./use-lite-encoder.js";

export interface EncoderSpecOptions {
  /** Caches every vector; the cache is the outermost layer, so it keys on the whole (chunked) encoder's id. */
  store?: Store;
  /** The --encoder-api-key flag; default $MEDRUBRIC_ENCODER_API_KEY, then $OPENAI_API_KEY. */
  apiKey?: string;
  /** Called as texts missing from the cache are embedded. */
  onProgress?: (done: number, total: number) => void;
  /** Folder of GloVe's converted word vectors; default: the store's folder, else `.medrubric`. */
  dataDir?: string;
  /** Told when GloVe's word vectors are converted (once, about 15 s); default: stderr. */
  onNotice?: (message: string) => void;
  /**
   * Worker threads embedding at once for the encoders that run in process (use-lite, onnx:);
   * default 1, in this thread. GloVe (faster than a thread hop pays for) and openai: (remote) ignore it.
   */
  threads?: number;
}

const FORMS =
  "use-lite, glove, openai:URL#MODEL (e.g. openai:http://127.0.0.1:8000/v1#BAAI/bge-m3), onnx:DIR, or A+B of two of them (e.g. use-lite+glove)";
const SINGLE = ["use-lite", "glove", "openai:", "onnx:"];

export async function createEncoder(spec: string, options: EncoderSpecOptions = {}): Promise<Encoder> {
  const parts = splitPair(spec);
  if (!parts) return createSingle(spec, options);
  if (parts.some((part) => splitPair(part))) throw new UsageError(`encoder ${spec}: A+B joins two encoders, not more`);
  const [a, b] = await Promise.all(parts.map((part) => createSingle(part, options)));
  return createConcatEncoder(a as Encoder, b as Encoder);
}

/**
 * `A+B` split at the first '+' that is followed by an encoder's name (ids and paths may hold a
 * '+' elsewhere), or undefined for a single encoder.
 */
function splitPair(spec: string): [string, string] | undefined {
  for (let at = spec.indexOf("+"); at > 0; at = spec.indexOf("+", at + 1)) {
    const rest = spec.slice(at + 1);
    if (SINGLE.some((name) => rest === name || (name.endsWith(":") && rest.startsWith(name)) || rest.startsWith(`${name}+`))) {
      return [spec.slice(0, at), rest];
    }
  }
  return undefined;
}

async function createSingle(spec: string, options: EncoderSpecOptions): Promise<Encoder> {
  if (spec === "glove") {
    return createGloveEncoder({ dir: options.dataDir ?? options.store?.dataDir ?? ".medrubric", onNotice: options.onNotice });
  }
  const threads = options.threads ?? 1;
  const inProcess = IN_PROCESS.some((name) => spec === name || (name.endsWith(":") && spec.startsWith(name)));
  const uncached = inProcess
    ? await createInProcessEncoder(spec).then((local) => (threads > 1 ? createEncoderPool(local, spec, { threads }) : local))
    : await createRemote(spec, options.apiKey);
  // Large calls go in batches (reported, and cached as each ends) with as many in flight as there are
  // threads and one more, so that every thread stays busy.
  // A remote encoder sends a batch's requests together (64 texts each), within its client's concurrency limit.
  const batching = inProcess ? { concurrency: threads > 1 ? threads + 1 : 1 } : { batchSize: 256 };
  if (options.store) return withCache(uncached, options.store, { ...batching, onProgress: options.onProgress });
  return options.onProgress ? withProgressReport(uncached, options.onProgress, batching) : uncached;
}

const IN_PROCESS = ["use-lite", "onnx:"];

/**
 * An encoder whose model runs in this thread: `use-lite` or `onnx:DIR`, chunked. `pooled`: built in
 * a thread of the encoder pool, so an ONNX model computes on one core, the pool's other threads on the others.
 */
export async function createInProcessEncoder(spec: string, { pooled = false } = {}): Promise<Encoder> {
  if (spec === "use-lite") return withChunking(await createUseLiteEncoder(), { maxChars: 1000 });
  if (spec.startsWith("onnx:")) {
    const dir = spec.slice("onnx:".length);
    if (dir === "") throw new UsageError(`encoder ${spec}: name the model directory, as in onnx:models/bge-small-en-v1.5`);
    // About 400 tokens of English at ~4 characters a token (fewer where medical terms split into word
    // pieces): inside the 512-token window of BERT-sized models, so their truncation seldom drops text.
    return withChunking(await createOnnxEncoder(dir, pooled ? { intraOpThreads: 1 } : {}), { maxChars: 1500 });
  }
  throw new UsageError(`unknown encoder ${JSON.stringify(spec)}: expected ${FORMS}`);
}

async function createRemote(spec: string, apiKey: string | undefined): Promise<Encoder> {
  if (spec.startsWith("openai:")) {
    const target = spec.slice("openai:".length);
    // The last '#', as a model name never holds one; the URL before it is checked by normaliseBaseUrl.
    const hash = target.lastIndexOf("#");
    const model = target.slice(hash + 1);
    if (hash < 0 || model === "") throw new UsageError(`encoder ${spec}: name the model after '#', as in openai:URL#MODEL`);
    const baseUrl = normaliseBaseUrl(target.slice(0, hash));
    const key = resolveApiKey([baseUrl], {
      flag: apiKey,
      flagName: "--encoder-api-key",
      envNames: ["MEDRUBRIC_ENCODER_API_KEY", "OPENAI_API_KEY"],
    });
    const client = createLlmClient({ endpoints: [{ baseUrl, apiKey: key }], model });
    // About 1000 tokens: inside the 8192-token window of OpenAI's models and bge-m3 (a 512-token model truncates).
    return withChunking(await createOpenAIEncoder({ client, baseUrl }), { maxChars: 4000 });
  }
  throw new UsageError(`unknown encoder ${JSON.stringify(spec)}: expected ${FORMS}`);
}
