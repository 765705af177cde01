/**
 * A tiny but genuine BERT-style model directory in the Hub's transformers.js export layout, written
 * at test time: config.json, a WordPiece tokenizer.json and tokenizer_config.json, and an ONNX
 * graph (encoded with onnx-proto, the onnx.proto schema compiled for protobufjs) that maps
 * input_ids, attention_mask and token_type_ids to last_hidden_state. The graph is word + position
 * + token-type embeddings, a dense layer and tanh, zeroed at padding: no attention, but the same
 * inputs, outputs and shapes as a real exported encoder, with seeded random weights.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import onnxProto, { type onnx } from "onnx-proto";
import { createRng } from "../src/core/random.js";

const { AttributeProto, ModelProto, TensorProto } = onnxProto.onnx;

export interface TinyOnnxModelOptions {
  /** Seeds the weights: another seed, other weights (and another file hash). Default 1. */
  seed?: number;
  /** Writes a sentence-transformers 1_Pooling/config.json choosing this pooling. */
  pooling?: "cls" | "mean";
  /** The file under onnx/: the fp32 name, or the name of a quantised export. */
  onnxFile?: "model.onnx" | "model_quantized.onnx";
}

export const TINY_HIDDEN_SIZE = 24;
/** Tokens per text at most, [CLS] and [SEP] included (the tokenizer's model_max_length). */
export const TINY_MAX_LENGTH = 64;

const SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"];
const LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789".split("");
const WORDS = ["the", "and", "pain", "chest", "fever", "call", "doctor", "patient", "risk", "emergency", "##s", "##ing", "##ed"];
const PUNCTUATION = ".,:;!?'()-".split("");
/** Every lower-case word splits into known pieces (letters at worst), so texts rarely meet [UNK]. */
const VOCAB = [...SPECIAL, ...LETTERS, ...LETTERS.map((l) => `##${l}`), ...WORDS, ...PUNCTUATION];
const TOKEN_ID = (token: string) => VOCAB.indexOf(token);

/** Writes the model into `dir` (created if missing) and returns `dir`. */
export async function writeTinyOnnxModel(dir: string, options: TinyOnnxModelOptions = {}): Promise<string> {
  await mkdir(join(dir, "onnx"), { recursive: true });
  const json = (file: string, value: unknown) => writeFile(join(dir, file), `${JSON.stringify(value, null, 2)}\n`);
  await json("config.json", {
    model_type: "bert",
    architectures: ["BertModel"],
    hidden_size: TINY_HIDDEN_SIZE,
    max_position_embeddings: TINY_MAX_LENGTH,
    vocab_size: VOCAB.length,
    type_vocab_size: 2,
    pad_token_id: 0,
  });
  await json("tokenizer.json", tokenizerJson());
  await json("tokenizer_config.json", {
    tokenizer_class: "BertTokenizer",
    do_lower_case: true,
    model_max_length: TINY_MAX_LENGTH,
    ...Object.fromEntries(["pad", "unk", "cls", "sep"].map((name, i) => [`${name}_token`, SPECIAL[i]])),
  });
  if (options.pooling) {
    await mkdir(join(dir, "1_Pooling"), { recursive: true });
    await json("1_Pooling/config.json", {
      word_embedding_dimension: TINY_HIDDEN_SIZE,
      pooling_mode_cls_token: options.pooling === "cls",
      pooling_mode_mean_tokens: options.pooling === "mean",
      pooling_mode_max_tokens: false,
    });
  }
  await writeFile(join(dir, "onnx", options.onnxFile ?? "model.onnx"), ModelProto.encode(modelProto(options.seed ?? 1)).finish());
  return dir;
}

function tokenizerJson() {
  const special = (content: string) => ({
    id: TOKEN_ID(content),
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const template = (token: string) => ({ SpecialToken: { id: token, type_id: 0 } });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map(special),
    normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: {
      type: "TemplateProcessing",
      single: [template("[CLS]"), { Sequence: { id: "A", type_id: 0 } }, template("[SEP]")],
      pair: [
        template("[CLS]"),
        { Sequence: { id: "A", type_id: 0 } },
        template("[SEP]"),
        { Sequence: { id: "B", type_id: 1 } },
        { SpecialToken: { id: "[SEP]", type_id: 1 } },
      ],
      special_tokens: Object.fromEntries(
        ["[CLS]", "[SEP]"].map((token) => [token, { id: token, ids: [TOKEN_ID(token)], tokens: [token] }]),
      ),
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: {
      type: "WordPiece",
      unk_token: "[UNK]",
      continuing_subword_prefix: "##",
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(VOCAB.map((token, id) => [token, id])),
    },
  };
}

const { FLOAT, INT64 } = TensorProto.DataType;

function modelProto(seed: number): onnx.IModelProto {
  const random = createRng(seed);
  const weights = (name: string, dims: number[], scale: number): onnx.ITensorProto => ({
    name,
    dims,
    dataType: FLOAT,
    floatData: Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => (random() * 2 - 1) * scale),
  });
  const int64 = (name: string, values: number[], dims: number[] = []): onnx.ITensorProto => ({
    name,
    dims,
    dataType: INT64,
    int64Data: values,
  });
  const node = (opType: string, input: string[], output: string, attribute: onnx.IAttributeProto[] = []): onnx.INodeProto => ({
    opType,
    input,
    output: [output],
    name: output,
    attribute,
  });
  const tokens = (name: string, elemType: number, dims: string[]): onnx.IValueInfoProto => ({
    name,
    type: {
      tensorType: { elemType, shape: { dim: dims.map((dim) => (/^\d+$/.test(dim) ? { dimValue: Number(dim) } : { dimParam: dim })) } },
    },
  });
  const H = TINY_HIDDEN_SIZE;
  return {
    irVersion: 8,
    opsetImport: [{ domain: "", version: 13 }],
    producerName: "medrubric test/tiny-onnx-model.ts",
    graph: {
      name: "tiny_bert",
      input: ["input_ids", "attention_mask", "token_type_ids"].map((name) => tokens(name, INT64, ["batch_size", "sequence_length"])),
      output: [tokens("last_hidden_state", FLOAT, ["batch_size", "sequence_length", String(H)])],
      initializer: [
        weights("word_embeddings", [VOCAB.length, H], 1),
        weights("position_embeddings", [TINY_MAX_LENGTH, H], 0.3),
        weights("token_type_embeddings", [2, H], 0.3),
        weights("dense", [H, H], 1 / Math.sqrt(H)),
        int64("zero", [0]),
        int64("one", [1]),
        int64("last_axis", [-1], [1]),
      ],
      node: [
        node("Gather", ["word_embeddings", "input_ids"], "words"),
        node("Shape", ["input_ids"], "input_shape"),
        node("Gather", ["input_shape", "one"], "sequence_length"),
        node("Range", ["zero", "sequence_length", "one"], "position_ids"),
        node("Gather", ["position_embeddings", "position_ids"], "positions"),
        node("Gather", ["token_type_embeddings", "token_type_ids"], "token_types"),
        node("Add", ["words", "positions"], "words_at_positions"),
        node("Add", ["words_at_positions", "token_types"], "embeddings"),
        node("MatMul", ["embeddings", "dense"], "dense_out"),
        node("Tanh", ["dense_out"], "activated"),
        node("Cast", ["attention_mask"], "mask_float", [{ name: "to", type: AttributeProto.AttributeType.INT, i: FLOAT }]),
        node("Unsqueeze", ["mask_float", "last_axis"], "mask_column"),
        node("Mul", ["activated", "mask_column"], "last_hidden_state"),
      ],
    },
  };
}
