/**
 * A sentence encoder from a local model directory in the Hub's transformers.js export layout
 * (config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx or onnx/model_quantized.onnx),
 * run in process by onnxruntime-node through @huggingface/transformers. Nothing is ever fetched:
 * remote models are switched off, and the directory goes to transformers.js as an absolute path,
 * which it reads as a file path (a relative one shaped like a Hub model id, such as `models/bge`,
 * would be looked up under its env.localModelPath instead, inside node_modules).
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { access } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { PreTrainedModel, PreTrainedTokenizer, Tensor } from "@huggingface/transformers";
import { z } from "zod";
import { ConfigError } from "../core/errors.js";
import type { Encoder } from "../core/types.js";
import { readJsonFileAs } from "../io/read-file.js";
import { unitVector } from "./unit-vector.js";

const BATCH_SIZE = 32;
const REQUIRED_FILES = ["config.json", "tokenizer.json", "tokenizer_config.json"];
/** The fp32 export first; the int8 one (`dtype: "q8"` to transformers.js) when it is the only one. */
const ONNX_FILES = [
  { file: "onnx/model.onnx", dtype: "fp32" },
  { file: "onnx/model_quantized.onnx", dtype: "q8" },
] as const;

// Hidden width is `hidden_size` in BERT-like configs, `dim` in DistilBERT's and `d_model` in T5's.
const ModelConfig = z.object({
  hidden_size: z.number().int().positive().optional(),
  dim: z.number().int().positive().optional(),
  d_model: z.number().int().positive().optional(),
  max_position_embeddings: z.number().int().positive().optional(),
});

/** sentence-transformers' pooling settings: `pooling_mode_*` flags, of which CLS or mean alone are supported. */
const PoolingConfig = z.record(z.string(), z.unknown());

type Pooling = "cls" | "mean";
const POOLING_MODES: Readonly<Record<string, Pooling>> = { pooling_mode_cls_token: "cls", pooling_mode_mean_tokens: "mean" };

interface Loaded {
  tokenizer: PreTrainedTokenizer;
  model: PreTrainedModel;
}

export interface OnnxEncoderOptions {
  /** onnxruntime's threads per matrix product; default: its own (the machine's cores). 1 in each thread of an encoder pool. */
  intraOpThreads?: number;
}

export async function createOnnxEncoder(dir: string, { intraOpThreads }: OnnxEncoderOptions = {}): Promise<Encoder> {
  const root = resolve(dir);
  const where = `onnx:${dir}`;
  await checkFiles(root, where);
  const onnx = await findOnnxFile(root, where);
  const config = await readJson(root, "config.json", ModelConfig);
  const dim = config.hidden_size ?? config.dim ?? config.d_model;
  if (dim === undefined) throw new ConfigError(`${where}: ${join(root, "config.json")} gives no hidden_size (nor dim or d_model)`);
  const pooling = await readPooling(root, where);
  // Named by what makes the vectors (weights, tokenizer, pooling), not by where they lie: a model
  // trained on this encoder loads it from any copy of the directory and refuses other weights.
  const digest = await sha256Files([join(root, onnx.file), join(root, "tokenizer.json")]);
  const id = `onnx@${digest.slice(0, 12)}+${pooling}`;

  let loading: Promise<Loaded> | undefined;
  // Loaded on first use, so a run served entirely from the embedding cache never starts onnxruntime.
  const load = () => (loading ??= loadModel(root, onnx.dtype, where, intraOpThreads));

  return {
    id,
    dim,
    async embed(texts) {
      if (texts.length === 0) return [];
      const { tokenizer, model } = await load();
      // Longer inputs would index past the position embeddings; model_max_length is often unset or huge.
      const maxLength = Math.min(tokenizer.model_max_length as number, config.max_position_embeddings ?? Number.POSITIVE_INFINITY);
      const vectors: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += BATCH_SIZE) {
        const batch = texts.slice(start, start + BATCH_SIZE);
        const inputs = tokenizer(batch, {
          padding: true,
          truncation: true,
          ...(Number.isFinite(maxLength) ? { max_length: maxLength } : {}),
        });
        const outputs = (await model(inputs)) as Record<string, Tensor | undefined>;
        const hidden = outputs.last_hidden_state ?? outputs.token_embeddings;
        if (!hidden)
          throw new ConfigError(`${where}: the model has no last_hidden_state output (it has ${Object.keys(outputs).join(", ")})`);
        const [, , width] = hidden.dims;
        if (width !== dim) throw new ConfigError(`${where}: the model gives vectors of ${width} numbers, but config.json says ${dim}`);
        vectors.push(...poolTokens(hidden, inputs.attention_mask as Tensor, pooling));
      }
      return vectors;
    },
  };
}

async function checkFiles(root: string, where: string): Promise<void> {
  if (!(await exists(root))) throw new ConfigError(`${where}: no model directory at ${root}`);
  for (const file of REQUIRED_FILES)
    if (!(await exists(join(root, file))))
      throw new ConfigError(
        `${where}: ${root} has no ${file} (a transformers.js model directory holds ${REQUIRED_FILES.join(", ")} and onnx/model.onnx)`,
      );
}

async function findOnnxFile(root: string, where: string): Promise<(typeof ONNX_FILES)[number]> {
  for (const candidate of ONNX_FILES) if (await exists(join(root, candidate.file))) return candidate;
  throw new ConfigError(`${where}: ${root} has no ${ONNX_FILES.map((c) => c.file).join(" nor ")}`);
}

async function readPooling(root: string, where: string): Promise<Pooling> {
  const file = "1_Pooling/config.json";
  if (!(await exists(join(root, file)))) return "mean";
  const config = await readJson(root, file, PoolingConfig);
  const modes = Object.keys(config).filter((key) => key.startsWith("pooling_mode_") && config[key] === true);
  const pooling = modes.length === 1 ? POOLING_MODES[modes[0] as string] : undefined;
  if (!pooling)
    throw new ConfigError(
      `${where}: ${join(root, file)} sets ${modes.join(" and ") || "no pooling mode"}; supported are pooling_mode_cls_token or pooling_mode_mean_tokens alone`,
    );
  return pooling;
}

/** A JSON file of the directory (checked to exist already), its contents validated. */
const readJson = <S extends z.ZodType>(root: string, file: string, schema: S) => readJsonFileAs(join(root, file), schema);

async function loadModel(root: string, dtype: "fp32" | "q8", where: string, intraOpThreads: number | undefined): Promise<Loaded> {
  // Imported here: the library and onnxruntime take about half a second to load, which `--help` should not pay.
  const { env, AutoModel, AutoTokenizer } = await import("@huggingface/transformers");
  // env is the library's global settings; these are the only values this project ever wants.
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  // Local files are read in place; the library's file cache only ever holds downloads, and an old entry could shadow a changed model.
  env.useFSCache = false;
  try {
    const options = { local_files_only: true } as const;
    const [tokenizer, model] = await Promise.all([
      AutoTokenizer.from_pretrained(root, options),
      AutoModel.from_pretrained(root, {
        ...options,
        dtype,
        device: "cpu",
        ...(intraOpThreads ? { session_options: { intraOpNumThreads: intraOpThreads } } : {}),
      }),
    ]);
    return { tokenizer, model };
  } catch (error) {
    throw new ConfigError(`${where}: cannot load the model in ${root}: ${(error as Error).message}`, { cause: error });
  }
}

/** One unit vector per row: the first token's state (CLS) or the mean over the tokens the attention mask keeps. */
function poolTokens(hidden: Tensor, mask: Tensor, pooling: Pooling): Float32Array[] {
  const [rows = 0, length = 0, width = 0] = hidden.dims;
  const states = hidden.data as Float32Array;
  const keep = mask.data as BigInt64Array;
  return Array.from({ length: rows }, (_, row) => {
    const sum = new Float64Array(width);
    const tokens = pooling === "cls" ? 1 : length;
    for (let token = 0; token < tokens; token++) {
      if (keep[row * length + token] === 0n) continue;
      const offset = (row * length + token) * width;
      for (let i = 0; i < width; i++) sum[i] = (sum[i] as number) + (states[offset + i] as number);
    }
    // Dividing by the token count would not change the direction, and normalising follows.
    return unitVector(sum);
  });
}

/** One sha256 over the files' bytes in turn, streamed (an ONNX file may be hundreds of MB). */
async function sha256Files(paths: readonly string[]): Promise<string> {
  const hash = createHash("sha256");
  for (const path of paths) for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );
