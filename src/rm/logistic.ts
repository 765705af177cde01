/**
 * Logistic regression for the reward heads: a sparse fitter (AdaGrad, L2, seeded) for hashed text
 * features, and a dense Newton fitter for the few-parameter calibrators stacked on top. Both fit
 * labels in [0, 1] with optional row weights; a Bradley-Terry preference is the same problem on
 * the difference of two feature vectors (`x` less `minus`) with label 1 (and no bias). Plain
 * typed-array loops: a head trains on tens of thousands of rows in about a second, no tensor
 * library needed.
 */
import { createRng } from "../core/random.js";

/** Feature indices and values of one row; indices may repeat (values add). */
export interface SparseVector {
  index: number[];
  value: number[];
}

export interface LabelledRow {
  x: SparseVector;
  /** Subtracted from x: a preference row is the better answer's features less the worse one's, kept as both. */
  minus?: SparseVector;
  /** Target in [0, 1]. */
  y: number;
  weight?: number;
}

export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
export const logit = (p: number, eps = 1e-6) => Math.log(Math.max(eps, p) / Math.max(eps, 1 - p));

export function dotSparse(weights: ArrayLike<number>, x: SparseVector): number {
  let sum = 0;
  for (let i = 0; i < x.index.length; i++) sum += (weights[x.index[i] as number] as number) * (x.value[i] as number);
  return sum;
}

/** The weights' dot product with a row's features (x less `minus`). */
export function rowDot(weights: ArrayLike<number>, row: LabelledRow): number {
  let sum = dotSparse(weights, row.x);
  const minus = row.minus;
  if (minus) for (let i = 0; i < minus.index.length; i++) sum -= (weights[minus.index[i] as number] as number) * (minus.value[i] as number);
  return sum;
}

/** 32-bit FNV-1a of a string into `buckets` (a power of two): the slot of a hashed text feature. */
export function hashFeature(key: string, buckets: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) & (buckets - 1);
}

export interface SparseFitOptions {
  dims: number;
  /** L2 penalties per row visit (weight decay on the coordinates a row touches): one fit each. */
  l2: readonly number[];
  epochs: number;
  learningRate: number;
  seed: number;
}

/** Rows packed into flat typed arrays (row r's features at offsets[r]..offsets[r+1]): the inner loop reads no objects. */
interface PackedRows {
  offsets: Int32Array;
  index: Int32Array;
  value: Float64Array;
  y: Float64Array;
  weight: Float64Array;
}

function packRows(rows: readonly LabelledRow[]): PackedRows {
  const offsets = new Int32Array(rows.length + 1);
  rows.forEach((row, r) => {
    offsets[r + 1] = (offsets[r] as number) + row.x.index.length + (row.minus?.index.length ?? 0);
  });
  const size = offsets[rows.length] as number;
  const packed = {
    offsets,
    index: new Int32Array(size),
    value: new Float64Array(size),
    y: Float64Array.from(rows, (row) => row.y),
    weight: Float64Array.from(rows, (row) => row.weight ?? 1),
  };
  rows.forEach((row, r) => {
    let at = offsets[r] as number;
    packed.index.set(row.x.index, at);
    packed.value.set(row.x.value, at);
    at += row.x.index.length;
    const minus = row.minus;
    if (!minus) return;
    packed.index.set(minus.index, at);
    minus.value.forEach((v, i) => {
      packed.value[at + i] = -v;
    });
  });
  return packed;
}

/**
 * For each L2 penalty, the weights minimising the mean cross-entropy plus L2, by AdaGrad over the
 * rows in one seeded order. The fits run side by side, a slot's weight and squared gradient of
 * every fit stored together: updates hit slots at random, so one memory read serves every fit.
 * Each fit's arithmetic is that of a fit run alone.
 */
export function fitSparseLogistic(rows: readonly LabelledRow[], options: SparseFitOptions): Float64Array[] {
  const { index, value, offsets, y, weight } = packRows(rows);
  const fits = options.l2.length;
  const stride = 2 * fits;
  // Slot k of fit f: weight at k * stride + 2f, squared gradient sum next to it.
  const state = new Float64Array(options.dims * stride);
  for (let i = 1; i < state.length; i += 2) state[i] = 1e-8;
  const errors = new Float64Array(fits);
  const order = rows.map((_, i) => i);
  const random = createRng(options.seed);
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    for (const r of order) {
      const [from, to] = [offsets[r] as number, offsets[r + 1] as number];
      for (let f = 0; f < fits; f++) {
        let z = 0;
        for (let n = from; n < to; n++) z += (state[(index[n] as number) * stride + 2 * f] as number) * (value[n] as number);
        errors[f] = (sigmoid(z) - (y[r] as number)) * (weight[r] as number);
      }
      for (let n = from; n < to; n++) {
        const base = (index[n] as number) * stride;
        for (let f = 0; f < fits; f++) {
          const at = base + 2 * f;
          const g = (errors[f] as number) * (value[n] as number) + (options.l2[f] as number) * (state[at] as number);
          state[at + 1] = (state[at + 1] as number) + g * g;
          state[at] = (state[at] as number) - (options.learningRate * g) / Math.sqrt(state[at + 1] as number);
        }
      }
    }
  }
  return options.l2.map((_, f) => Float64Array.from({ length: options.dims }, (_, k) => state[k * stride + 2 * f] as number));
}

/** Mean cross-entropy of the weights on rows: what validation compares fits by. */
export function logLoss(weights: ArrayLike<number>, rows: readonly LabelledRow[]): number {
  let sum = 0;
  let total = 0;
  for (const row of rows) {
    const p = Math.min(1 - 1e-9, Math.max(1e-9, sigmoid(rowDot(weights, row))));
    const weight = row.weight ?? 1;
    sum -= weight * (row.y * Math.log(p) + (1 - row.y) * Math.log(1 - p));
    total += weight;
  }
  return sum / Math.max(1e-12, total);
}

/**
 * Dense logistic regression by Newton's method with a small ridge: the calibrators (Platt
 * scaling of stacked logits), a handful of parameters fitted on held-out rows (weighted, when
 * `weights` are given).
 */
export function fitDenseLogistic(
  x: readonly number[][],
  y: readonly number[],
  weights?: readonly number[],
  ridge = 1e-3,
  iterations = 50,
): number[] {
  const k = x[0]?.length ?? 0;
  let w = new Array<number>(k).fill(0);
  for (let it = 0; it < iterations; it++) {
    const gradient = w.map((wi) => ridge * wi);
    const hessian = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? ridge : 0)));
    x.forEach((row, n) => {
      const p = sigmoid(row.reduce((s, v, i) => s + v * (w[i] as number), 0));
      const weight = weights?.[n] ?? 1;
      const curvature = weight * p * (1 - p);
      row.forEach((vi, i) => {
        gradient[i] = (gradient[i] as number) + weight * (p - (y[n] as number)) * vi;
        row.forEach((vj, j) => {
          (hessian[i] as number[])[j] = ((hessian[i] as number[])[j] as number) + curvature * vi * vj;
        });
      });
    });
    const step = solve(hessian, gradient);
    w = w.map((wi, i) => wi - (step[i] as number));
    if (step.every((s) => Math.abs(s) < 1e-9)) break;
  }
  return w;
}

/** Solves A s = b by Gaussian elimination with partial pivoting (A small and positive definite). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] as number]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++)
      if (Math.abs((m[r] as number[])[c] as number) > Math.abs((m[pivot] as number[])[c] as number)) pivot = r;
    [m[c], m[pivot]] = [m[pivot] as number[], m[c] as number[]];
    const row = m[c] as number[];
    for (let r = c + 1; r < n; r++) {
      const other = m[r] as number[];
      const f = (other[c] as number) / (row[c] as number);
      for (let j = c; j <= n; j++) other[j] = (other[j] as number) - f * (row[j] as number);
    }
  }
  const s = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    const row = m[r] as number[];
    let sum = row[n] as number;
    for (let j = r + 1; j < n; j++) sum -= (row[j] as number) * (s[j] as number);
    s[r] = sum / (row[r] as number);
  }
  return s;
}
