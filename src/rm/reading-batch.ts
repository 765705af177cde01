/**
 * What the network reads, as plain indices, and its tensors: prompts, answers (each a list of
 * parts) and rows (an answer read along an axis text, in a calibration group). Texts are ids into
 * one table of embeddings, so every distinct text is embedded once. Shared by training and scoring.
 */
import * as tf from "@tensorflow/tfjs";
import { oneHotRows, type ReadingBatch, rowsTensor } from "./gprc-network.js";

/** Texts to ids, in first-seen order. */
export class TextTable {
  readonly ids = new Map<string, number>();
  id(text: string): number {
    let found = this.ids.get(text);
    if (found === undefined) {
      found = this.ids.size;
      this.ids.set(text, found);
    }
    return found;
  }
}

export interface AnswerRef {
  /** Index into `prompts`. */
  prompt: number;
  /** Text ids of the answer's parts. */
  parts: number[];
  /** Characters read. */
  length: number;
}

export interface AxisRow {
  /** Index into `answers`. */
  answer: number;
  /** Text id of the axis text (a criterion or a dimension's description). */
  axis: number;
  group: number;
  /** Word-level evidence: the weighted share of the axis text's words found in the answer (word-evidence.ts). */
  cover: number;
}

export interface Reading {
  /** Text ids of the prompts. */
  prompts: number[];
  answers: AnswerRef[];
  rows: AxisRow[];
}

/**
 * Evidence features of a row: a soft count of the parts that match the axis text
 * (log(1 + sum_j exp(10 (cos_j - 0.3)))), the word cover, and log(characters / 1000): the
 * semantic, lexical and length signals a criterion verdict follows.
 */
export const EVIDENCE_FEATURES = 3;
const MATCH_SHARPNESS = 10;
const MATCH_CENTRE = 0.3;

export function dot(a: Float32Array | Float64Array, b: Float32Array | Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

/**
 * The evidence features of a row reading `answer` along the axis vector; writes the cosine of
 * each of the answer's parts with the axis to `cosines` from `at`.
 */
export function rowEvidence(
  axis: Float32Array,
  answer: AnswerRef,
  cover: number,
  vectors: readonly Float32Array[],
  cosines: Float32Array,
  at: number,
): [number, number, number] {
  let matches = 0;
  answer.parts.forEach((id, j) => {
    const cos = dot(axis, vectors[id] as Float32Array);
    cosines[at + j] = cos;
    matches += Math.exp(MATCH_SHARPNESS * (cos - MATCH_CENTRE));
  });
  return [Math.log1p(matches), cover, Math.log(Math.max(1, answer.length) / 1000)];
}

/**
 * The evidence features of every row of a reading (rows x F) and the cosines of each row's answer
 * parts with its axis text, row after row. They depend on the vectors only, so training computes
 * them once per group, not in every epoch.
 */
export interface RowsEvidence {
  features: Float32Array;
  cosines: Float32Array;
}

export function rowsEvidence(reading: Reading, vectors: readonly Float32Array[]): RowsEvidence {
  const features = new Float32Array(reading.rows.length * EVIDENCE_FEATURES);
  const cosines = new Float32Array(reading.rows.reduce((n, row) => n + (reading.answers[row.answer] as AnswerRef).parts.length, 0));
  let at = 0;
  reading.rows.forEach((row, i) => {
    const answer = reading.answers[row.answer] as AnswerRef;
    features.set(rowEvidence(vectors[row.axis] as Float32Array, answer, row.cover, vectors, cosines, at), i * EVIDENCE_FEATURES);
    at += answer.parts.length;
  });
  return { features, cosines };
}

/** The evidence of a merged reading: its readings' evidence, in the order they were merged. */
export function concatEvidence(parts: readonly RowsEvidence[]): RowsEvidence {
  const concat = (arrays: Float32Array[]) => {
    const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
    let at = 0;
    for (const a of arrays) {
      out.set(a, at);
      at += a.length;
    }
    return out;
  };
  return { features: concat(parts.map((p) => p.features)), cosines: concat(parts.map((p) => p.cosines)) };
}

/** The tensors of a reading; `vectors[id]` is E(text id), L2-normalised; `evidence` its rowsEvidence when known. */
export function readingTensors(
  reading: Reading,
  vectors: readonly Float32Array[],
  groups: number,
  evidence = rowsEvidence(reading, vectors),
): ReadingBatch {
  const d = vectors[0]?.length ?? 0;
  const firstPart: number[] = [];
  const partIds: number[] = [];
  const partPrompt: number[] = [];
  for (const answer of reading.answers) {
    firstPart.push(partIds.length);
    partIds.push(...answer.parts);
    partPrompt.push(...answer.parts.map(() => answer.prompt));
  }
  const parts = partIds.length;
  const rowParts = new Float32Array(reading.rows.length * parts);
  const cosines = new Float32Array(reading.rows.length * parts);
  let from = 0;
  reading.rows.forEach((row, i) => {
    const count = (reading.answers[row.answer] as AnswerRef).parts.length;
    const at = i * parts + (firstPart[row.answer] as number);
    rowParts.fill(1, at, at + count);
    cosines.set(evidence.cosines.subarray(from, from + count), at);
    from += count;
  });
  const rowPrompts = reading.rows.map((r) => (reading.answers[r.answer] as AnswerRef).prompt);
  // The distinct axis texts in first-seen order, and each row's index among them.
  const axes = new Map<number, number>();
  const rowAxes = reading.rows.map((r) => {
    if (!axes.has(r.axis)) axes.set(r.axis, axes.size);
    return axes.get(r.axis) as number;
  });
  const axisIds = [...axes.keys()];
  const pairs = new TextTable();
  const rowPairs = reading.rows.map((r, i) => pairs.id(`${r.axis} ${rowPrompts[i]}`));
  const pairRows = [...pairs.ids.keys()].map((key) => key.split(" ").map(Number) as [number, number]);
  return {
    prompts: rowsTensor(
      reading.prompts.map((id) => vectors[id] as Float32Array),
      d,
    ),
    parts: rowsTensor(
      partIds.map((id) => vectors[id] as Float32Array),
      d,
    ),
    partPrompt: oneHotRows(partPrompt, reading.prompts.length),
    rowPrompt: oneHotRows(rowPrompts, reading.prompts.length),
    rowParts: tf.tensor2d(rowParts, [reading.rows.length, parts]),
    partCosines: tf.tensor2d(cosines, [reading.rows.length, parts]),
    axisTexts: rowsTensor(
      axisIds.map((id) => vectors[id] as Float32Array),
      d,
    ),
    rowAxis: oneHotRows(rowAxes, axisIds.length),
    pairAxisTexts: rowsTensor(
      pairRows.map(([axis]) => vectors[axis] as Float32Array),
      d,
    ),
    pairPrompt: oneHotRows(
      pairRows.map(([, prompt]) => prompt),
      reading.prompts.length,
    ),
    rowPair: oneHotRows(rowPairs, pairRows.length),
    evidence: tf.tensor2d(evidence.features, [reading.rows.length, EVIDENCE_FEATURES]),
    rowGroup: oneHotRows(
      reading.rows.map((r) => r.group),
      groups,
    ),
  };
}

export const disposeBatch = (batch: ReadingBatch) => tf.dispose(Object.values(batch));
