/**
 * The network's forward pass for scoring: gprc-network.ts `readRows`, the same formulas, shaped
 * for scoring sizes (a batch of answers, each a few parts read along a dozen axes). `readRows`
 * builds dense [rows, parts] masks and dispatches some fifty tensor ops per batch, which costs
 * more than its arithmetic here. So the one heavy product, every part's state and key, is one
 * tensor pass over all parts (WebAssembly SIMD, about 10x plain loops), and the rest runs in plain
 * loops over typed arrays, with each prompt's anchor and each (axis, prompt) direction computed
 * once per call, and each axis text's query once per vector (a dimension's, once per model). Training keeps `readRows`, for its gradients; a test
 * holds the two to the same logits.
 */
import * as tf from "@tensorflow/tfjs";
import { memo } from "../core/memo.js";
import { type GprcNetwork, runMlp } from "./gprc-network.js";
import { type AnswerRef, dot, EVIDENCE_FEATURES, type Reading, rowEvidence } from "./reading-batch.js";

type Vector = Float64Array;

/** A weight matrix [inputs, outputs] stored transposed, a row per output, so a product is a dot per output. */
interface Matrix {
  values: Vector;
  inputs: number;
  outputs: number;
}

/** A one-hidden-layer ReLU network: relu(x W1 + b1) W2 + b2. */
interface DenseMlp {
  w1: Matrix;
  b1: Vector;
  w2: Matrix;
  b2: Vector;
}

/** What the loops read, copied out of the network's tensors once, in doubles; the part pass reads `network`. */
export interface ReadingWeights {
  network: GprcNetwork;
  anchor: DenseMlp;
  axis: DenseMlp;
  query: Matrix;
  tau: number;
  nullLogit: number;
  evidence: Vector;
  alpha: Vector;
  beta: Vector;
  /**
   * An axis text's query and its share of the axis network's first layer, by the axis's vector:
   * a dimension's description has the same vector object in every call, so it is computed once.
   */
  axes: WeakMap<Float32Array, { query: Vector; share: Vector }>;
}

const EPS = 1e-6;

type Weights = { dataSync(): ArrayLike<number>; shape: number[] };

function transposed(v: Weights): Matrix {
  const [inputs, outputs] = v.shape as [number, number];
  const data = v.dataSync();
  const values = new Float64Array(inputs * outputs);
  for (let i = 0; i < inputs; i++) for (let o = 0; o < outputs; o++) values[o * inputs + i] = data[i * outputs + o] as number;
  return { values, inputs, outputs };
}

export function readingWeights(network: GprcNetwork): ReadingWeights {
  const values = (v: Weights) => new Float64Array(v.dataSync());
  const mlp = (m: GprcNetwork["anchor"]): DenseMlp => ({ w1: transposed(m.w1), b1: values(m.b1), w2: transposed(m.w2), b2: values(m.b2) });
  const [tau, nullLogit] = values(network.reading);
  return {
    network,
    anchor: mlp(network.anchor),
    axis: mlp(network.axis),
    query: transposed(network.query),
    tau: tau as number,
    nullLogit: nullLogit as number,
    evidence: values(network.evidence),
    alpha: values(network.alpha),
    beta: values(network.beta),
    axes: new WeakMap(),
  };
}

/** out += x W[from .. from + x.length) (the rows of W that x meets); returns out. */
function addProduct(out: Vector, x: Vector, w: Matrix, from = 0): Vector {
  const { values, inputs, outputs } = w;
  for (let o = 0; o < outputs; o++) {
    const row = o * inputs + from;
    let sum = 0;
    for (let i = 0; i < x.length; i++) sum += (x[i] as number) * (values[row + i] as number);
    out[o] = (out[o] as number) + sum;
  }
  return out;
}

function runDense(m: DenseMlp, x: Vector, from = 0, pre = new Float64Array(m.b1)): Vector {
  addProduct(pre, x, m.w1, from);
  for (let j = 0; j < pre.length; j++) if ((pre[j] as number) < 0) pre[j] = 0;
  return addProduct(new Float64Array(m.b2), pre, m.w2);
}

/** States h_j and keys W_k E(p_j) of every part of every answer, in answer order: one tensor pass. */
function partStatesAndKeys(weights: ReadingWeights, reading: Reading, vectors: readonly Float32Array[]) {
  const { inputDim: d, latent: k, attention: r } = weights.network.shape;
  const count = reading.answers.reduce((n, a) => n + a.parts.length, 0);
  const inputs = new Float32Array(count * 3 * d);
  let at = 0;
  for (const answer of reading.answers) {
    const q = vectors[reading.prompts[answer.prompt] as number] as Float32Array;
    for (const id of answer.parts) {
      const p = vectors[id] as Float32Array;
      inputs.set(p, at);
      for (let i = 0; i < d; i++) {
        inputs[at + d + i] = (q[i] as number) * (p[i] as number);
        inputs[at + 2 * d + i] = (p[i] as number) - (q[i] as number);
      }
      at += 3 * d;
    }
  }
  const [states, keys] = tf.tidy(() => {
    const x = tf.tensor2d(inputs, [count, 3 * d]);
    return [runMlp(weights.network.state, x), tf.matMul(tf.slice(x, [0, 0], [count, d]), weights.network.key)];
  }) as [tf.Tensor, tf.Tensor];
  const values = { states: states.dataSync(), keys: keys.dataSync() };
  tf.dispose([states, keys]);
  let part = 0;
  return reading.answers.map((answer) =>
    answer.parts.map(() => {
      const j = part++;
      return { state: values.states.subarray(j * k, (j + 1) * k), key: values.keys.subarray(j * r, (j + 1) * r) };
    }),
  );
}

/** alpha_g s_t + beta_g of every row of the reading; `vectors[id]` is E(text id), L2-normalised. */
export function readLogits(weights: ReadingWeights, reading: Reading, vectors: readonly Float32Array[]): Float32Array {
  const { attention: r, latent: k, inputDim: d } = weights.network.shape;
  const vector = memo((id: number) => new Float64Array(vectors[id] as Float32Array));
  const anchors = reading.prompts.map((id) => runDense(weights.anchor, vector(id)));
  const answerParts = partStatesAndKeys(weights, reading, vectors);
  // The axis network's first layer on [E(t); a(q)]: E(t)'s share once per axis text, a(q)'s per pair.
  const axisOf = (id: number) => {
    const key = vectors[id] as Float32Array;
    let found = weights.axes.get(key);
    if (!found) {
      const t = vector(id);
      found = {
        query: addProduct(new Float64Array(r), t, weights.query),
        share: addProduct(new Float64Array(weights.axis.b1), t, weights.axis.w1),
      };
      weights.axes.set(key, found);
    }
    return found;
  };
  const prompts = reading.prompts.length;
  const direction = memo((axisPrompt: number) => {
    const share = new Float64Array(axisOf(Math.floor(axisPrompt / prompts)).share);
    const raw = runDense(weights.axis, anchors[axisPrompt % prompts] as Vector, d, share);
    const norm = Math.sqrt(dot(raw, raw) + EPS);
    return raw.map((x) => x / norm);
  });
  const scale = 1 / Math.sqrt(r);
  // Scratch for every row (a row's parts' cosines, match logits and their exponentials): rows allocate nothing.
  const most = reading.answers.reduce((n, a) => Math.max(n, a.parts.length), 0);
  const cosines = new Float32Array(most);
  const exps = new Float64Array(most);
  const read = new Float64Array(k);
  return Float32Array.from(reading.rows, (row) => {
    const answer = reading.answers[row.answer] as AnswerRef;
    const parts = answerParts[row.answer] as { state: Float32Array; key: Float32Array }[];
    const features = rowEvidence(vectors[row.axis] as Float32Array, answer, row.cover, vectors, cosines, 0);
    const q = axisOf(row.axis).query;
    let top = weights.nullLogit;
    for (let j = 0; j < parts.length; j++) {
      exps[j] = dot(q, (parts[j] as { key: Float32Array }).key) * scale + weights.tau * (cosines[j] as number);
      top = Math.max(top, exps[j] as number);
    }
    let sum = 0;
    for (let j = 0; j < parts.length; j++) {
      exps[j] = Math.exp((exps[j] as number) - top);
      sum += exps[j] as number;
    }
    const total = Math.exp(weights.nullLogit - top) + sum;
    const anchor = anchors[answer.prompt] as Vector;
    for (let i = 0; i < k; i++) read[i] = -(anchor[i] as number);
    for (let j = 0; j < parts.length; j++) {
      const w = (exps[j] as number) / total;
      const state = (parts[j] as { state: Float32Array }).state;
      for (let i = 0; i < k; i++) read[i] = (read[i] as number) + w * (state[i] as number);
    }
    const u = direction(row.axis * prompts + answer.prompt);
    let e = 0;
    for (let f = 0; f < EVIDENCE_FEATURES; f++)
      e += (features[f] as number) * (weights.evidence[row.group * EVIDENCE_FEATURES + f] as number);
    const s = dot(read, u) + e;
    return (weights.alpha[row.group] as number) * s + (weights.beta[row.group] as number);
  });
}
