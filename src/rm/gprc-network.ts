/**
 * The GPRC network on frozen, L2-normalised text embeddings E(.) in R^d. An answer is read as
 * its parts p_1..p_m (sentence-packed chunks, answer-parts.ts), and every axis reads the parts
 * it needs:
 *
 *   prompt anchor      a(q)     = A(E(q))                                        in R^k
 *   part state         h_j(q)   = H([E(p_j); E(q)*E(p_j); E(p_j)-E(q)])          in R^k
 *   reading of axis t  w_j(t)   = softmax over {null, 1..m} of
 *                                 <W_q E(t), W_k E(p_j)> / sqrt(r) + tau cos(E(t), E(p_j))
 *   answer state       h_t(q,x) = sum_j w_j(t) h_j(q)            (the null slot adds nothing)
 *   evidence           e_t      = <c_g, f_t(x)>   (f: soft count of matching parts, word cover, log length)
 *   displacement       v_t(q,x) = h_t(q,x) - a(q) + e_t u_t(q)                (prompt-anchored)
 *   axis               u_t(q)   = normalize(U([E(t); a(q)]))
 *   axis score         s_t      = <v_t, u_t> = |v_t| cos(theta_t)
 *   calibrated score            sigmoid(alpha_g s_t + beta_g) in [0, 1]
 *
 * An axis text t is a dimension's description or a rubric criterion; g is the calibration group
 * (positive criterion, negative criterion, or one per dimension). An answer that says nothing
 * about t leaves its reading on the null slot, so it sits at the anchor's side of the axis. A, H
 * and U are one-hidden-layer ReLU networks. Because axes come from text, a dimension added to
 * the standard, or a rubric never seen, gets an axis at once.
 */
import * as tf from "@tensorflow/tfjs";

export interface NetworkShape {
  /** Encoder dimension d. */
  inputDim: number;
  hidden: number;
  /** Latent dimension k. */
  latent: number;
  /** Width r of the reading's query and key projections. */
  attention: number;
  /** Calibration groups: the two criterion signs, then one per dimension. */
  groups: number;
  /** Evidence features per row. */
  evidence: number;
}

/** Calibration groups 0 and 1; dimension i is group DIMENSION_GROUP_OFFSET + i. */
export const POSITIVE_CRITERION = 0;
export const NEGATIVE_CRITERION = 1;
export const DIMENSION_GROUP_OFFSET = 2;

interface Mlp {
  w1: tf.Variable;
  b1: tf.Variable;
  w2: tf.Variable;
  b2: tf.Variable;
}

export interface GprcNetwork {
  shape: NetworkShape;
  anchor: Mlp;
  state: Mlp;
  axis: Mlp;
  query: tf.Variable;
  key: tf.Variable;
  /** tau, and the null slot's logit, as [tau, null]. */
  reading: tf.Variable;
  /** Weights of the evidence features per calibration group: [groups, F]. */
  evidence: tf.Variable;
  alpha: tf.Variable;
  beta: tf.Variable;
}

const EPS = 1e-6;

// Variables stay unnamed (tfjs names must be unique per process); namedVariables gives the names.
function createMlp(inputs: number, hidden: number, outputs: number, seed: number): Mlp {
  const init = (shape: [number, number], s: number) => tf.initializers.glorotUniform({ seed: s }).apply(shape) as tf.Tensor;
  return {
    w1: tf.variable(init([inputs, hidden], seed)),
    b1: tf.variable(tf.zeros([hidden])),
    w2: tf.variable(init([hidden, outputs], seed + 1)),
    b2: tf.variable(tf.zeros([outputs])),
  };
}

export function createNetwork(shape: NetworkShape, seed: number): GprcNetwork {
  // The initial values are copied into the variables; tidy disposes them (it never disposes a variable).
  return tf.tidy(() => initialNetwork(shape, seed) as unknown as tf.TensorContainer) as unknown as GprcNetwork;
}

function initialNetwork(shape: NetworkShape, seed: number): GprcNetwork {
  const { inputDim: d, hidden, latent: k, attention: r } = shape;
  const init = (s: number) => tf.initializers.glorotUniform({ seed: s }).apply([d, r]) as tf.Tensor;
  return {
    shape,
    anchor: createMlp(d, hidden, k, seed * 10 + 1),
    state: createMlp(3 * d, hidden, k, seed * 10 + 3),
    axis: createMlp(d + k, hidden, k, seed * 10 + 5),
    query: tf.variable(init(seed * 10 + 7)),
    key: tf.variable(init(seed * 10 + 8)),
    // tau starts where a part that matches the axis text (cosine near 1) clearly outweighs the null slot.
    reading: tf.variable(tf.tensor1d([4, 2])),
    evidence: tf.variable(tf.zeros([shape.groups, shape.evidence])),
    alpha: tf.variable(tf.ones([shape.groups])),
    beta: tf.variable(tf.zeros([shape.groups])),
  };
}

export const runMlp = (p: Mlp, x: tf.Tensor2D): tf.Tensor2D =>
  tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, p.w1), p.b1)), p.w2), p.b2) as tf.Tensor2D;

/**
 * One batch as tensors. Parts are listed once (no padding); each row reads the parts of its own
 * answer through a mask. Prompts are picked by one-hot matMul, whose gradient every backend has
 * (the WASM backend lacks the gather gradient).
 */
export interface ReadingBatch {
  /** E(q) of each prompt: [P, d]. */
  prompts: tf.Tensor2D;
  /** E(p_j) of every part of every answer: [parts, d]. */
  parts: tf.Tensor2D;
  /** The prompt of each part's answer: [parts, P]. */
  partPrompt: tf.Tensor2D;
  /** The prompt of each row's answer: [rows, P]. */
  rowPrompt: tf.Tensor2D;
  /** 1 where the part belongs to the row's answer: [rows, parts]. */
  rowParts: tf.Tensor2D;
  /** cos(E(t), E(p_j)) where the part belongs to the row's answer, else 0: [rows, parts]. */
  partCosines: tf.Tensor2D;
  /** E(t) of each distinct axis text of the rows [axes, d], and each row's axis text [rows, axes]. */
  axisTexts: tf.Tensor2D;
  rowAxis: tf.Tensor2D;
  /**
   * The distinct (axis text, prompt) pairs of the rows: E(t) of each [pairs, d], its prompt
   * [pairs, P], and each row's pair [rows, pairs]. The axis network runs once per pair (a
   * criterion is read in every answer to its prompt: about a third as many pairs as rows).
   */
  pairAxisTexts: tf.Tensor2D;
  pairPrompt: tf.Tensor2D;
  rowPair: tf.Tensor2D;
  /** Evidence features of each row (reading-batch.ts): [rows, F]. */
  evidence: tf.Tensor2D;
  /** [rows, groups]. */
  rowGroup: tf.Tensor2D;
}

export interface RowReadings {
  /** v_t per row: [rows, k]. */
  v: tf.Tensor2D;
  /** u_t per row: [rows, k]. */
  u: tf.Tensor2D;
  /** s_t per row: [rows]. */
  s: tf.Tensor1D;
  /** alpha_g s_t + beta_g per row: [rows]; the calibrated score is its sigmoid. */
  logits: tf.Tensor1D;
}

export function readRows(net: GprcNetwork, batch: ReadingBatch): RowReadings {
  const anchors = runMlp(net.anchor, batch.prompts);
  const promptOfPart = tf.matMul(batch.partPrompt, batch.prompts);
  const states = runMlp(
    net.state,
    tf.concat([batch.parts, tf.mul(promptOfPart, batch.parts), tf.sub(batch.parts, promptOfPart)], 1) as tf.Tensor2D,
  );
  const keys = tf.matMul(batch.parts, net.key);
  // Per distinct axis text (a dimension is read in every answer), then to the rows: exact, as with the axis network below.
  const queries = tf.matMul(batch.rowAxis, tf.matMul(batch.axisTexts, net.query));
  const [tau, nullLogit] = tf.split(net.reading, 2);
  const match = tf.add(
    // An explicit transpose: the backend's product flagged transposeB takes a slow path (tf-backend.ts).
    tf.div(tf.matMul(queries, tf.transpose(keys)), Math.sqrt(net.shape.attention)),
    tf.mul(batch.partCosines, tau as tf.Tensor),
  );
  const masked = tf.add(match, tf.mul(tf.sub(1, batch.rowParts), -1e9));
  const rows = batch.rowParts.shape[0];
  const weights = tf.slice(tf.softmax(tf.concat([tf.mul(tf.ones([rows, 1]), nullLogit as tf.Tensor), masked], 1)), [0, 1], [-1, -1]);
  const rowAnchors = tf.matMul(batch.rowPrompt, anchors) as tf.Tensor2D;
  const read = tf.sub(tf.matMul(weights, states), rowAnchors);
  // Per distinct (axis, prompt) pair, then to the rows by a one-hot product: exact, as each row takes one pair's value.
  const raw = runMlp(net.axis, tf.concat([batch.pairAxisTexts, tf.matMul(batch.pairPrompt, anchors)], 1) as tf.Tensor2D);
  const u = tf.matMul(batch.rowPair, tf.div(raw, tf.sqrt(tf.add(tf.sum(tf.square(raw), -1, true), EPS)))) as tf.Tensor2D;
  // The evidence moves the answer along the axis: e u, so s = <read, u> + e.
  const e = tf.sum(tf.mul(batch.evidence, tf.matMul(batch.rowGroup, net.evidence)), -1);
  const v = tf.add(read, tf.mul(tf.expandDims(e, 1), u)) as tf.Tensor2D;
  const s = tf.add(tf.sum(tf.mul(read, u), -1), e) as tf.Tensor1D;
  const perRow = (values: tf.Tensor) => tf.squeeze(tf.matMul(batch.rowGroup, tf.expandDims(values, 1)), [1]);
  return { v, u, s, logits: tf.add(tf.mul(s, perRow(net.alpha)), perRow(net.beta)) as tf.Tensor1D };
}

/** Every trainable variable with its checkpoint name (`anchor/w1`, ..., `calibration/alpha`). */
export function namedVariables(net: GprcNetwork): [string, tf.Variable][] {
  const mlps = (["anchor", "state", "axis"] as const).flatMap((part) =>
    (["w1", "b1", "w2", "b2"] as const).map((key): [string, tf.Variable] => [`${part}/${key}`, net[part][key]]),
  );
  return [
    ...mlps,
    ["reading/query", net.query],
    ["reading/key", net.key],
    ["reading/tau_null", net.reading],
    ["reading/evidence", net.evidence],
    ["calibration/alpha", net.alpha],
    ["calibration/beta", net.beta],
  ];
}

export const networkVariables = (net: GprcNetwork): tf.Variable[] => namedVariables(net).map(([, v]) => v);

/** A [rows, d] tensor from vectors, copied once into one buffer (no nested JS arrays for tfjs to flatten). */
export function rowsTensor(rows: readonly Float32Array[], d = rows[0]?.length ?? 0): tf.Tensor2D {
  const values = new Float32Array(rows.length * d);
  rows.forEach((row, i) => {
    values.set(row, i * d);
  });
  return tf.tensor2d(values, [rows.length, d]);
}

/** A [rows, columns] one-hot matrix of `indices`. */
export function oneHotRows(indices: readonly number[], columns: number): tf.Tensor2D {
  const values = new Float32Array(indices.length * columns);
  indices.forEach((column, i) => {
    values[i * columns + column] = 1;
  });
  return tf.tensor2d(values, [indices.length, columns]);
}
