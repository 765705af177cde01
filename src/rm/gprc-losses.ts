/**
 * The GPRC losses for a batch of training units (question q, dimension i, good b, medium r,
 * poor w), on prompt-anchored displacements v = h(q, x) - a(q) and the unit's dimension axis u:
 *
 * - ranking (Bradley-Terry with margin m): sum over (b,r), (r,w), (b,w) of -log sigmoid(s(x) - s(y) - m)
 * - axis similarity: (1 - cos(v_b - v_w, u)) + (1 - cos(v_r - v_w, v_b - v_w))
 * - perpendicular deviation: with t = clamp(<v_r-v_w, v_b-v_w> / |v_b-v_w|^2, 0, 1),
 *   |(v_r - v_w) - t (v_b - v_w)|^2 / (|v_b - v_w|^2 + eps), plus the betweenness hinge
 *   relu(-t_s) + relu(t_s - 1) on t_s = (s_r - s_w) / (s_b - s_w), where s_b > s_w
 * - invariance: the scores on the other dimensions barely move between b and w
 * - preference: Bradley-Terry on the rubric scores of two answers to one prompt
 * - absolute: cross-entropy of calibrated scores against targets in [0, 1] (grader verdicts,
 *   axis scores, unit levels)
 *
 * Each returns the batch mean. docs/gprc.md derives them.
 */
import * as tf from "@tensorflow/tfjs";

export const EPS = 1e-6;

const dot = (a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D => tf.sum(tf.mul(a, b), -1) as tf.Tensor1D;
const norm = (a: tf.Tensor2D): tf.Tensor1D => tf.sqrt(tf.add(dot(a, a), EPS)) as tf.Tensor1D;
const cosine = (a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D => tf.div(dot(a, b), tf.mul(norm(a), norm(b))) as tf.Tensor1D;

/** -log sigmoid(z) = softplus(-z), numerically stable. */
const negLogSigmoid = (z: tf.Tensor1D): tf.Tensor1D => tf.softplus(tf.neg(z)) as tf.Tensor1D;

export function rankingLoss(sb: tf.Tensor1D, sr: tf.Tensor1D, sw: tf.Tensor1D, margin: number): tf.Scalar {
  const pair = (x: tf.Tensor1D, y: tf.Tensor1D) => negLogSigmoid(tf.sub(tf.sub(x, y), margin) as tf.Tensor1D);
  return tf.mean(tf.addN([pair(sb, sr), pair(sr, sw), pair(sb, sw)])) as tf.Scalar;
}

/** Bradley-Terry along a criterion's axis: the answer that meets it scores above one that does not, by margin m. */
export function criterionRankingLoss(sMet: tf.Tensor1D, sUnmet: tf.Tensor1D, margin: number): tf.Scalar {
  return tf.mean(negLogSigmoid(tf.sub(tf.sub(sMet, sUnmet), margin) as tf.Tensor1D)) as tf.Scalar;
}

export function axisLoss(vb: tf.Tensor2D, vr: tf.Tensor2D, vw: tf.Tensor2D, axis: tf.Tensor2D): tf.Scalar {
  const bw = tf.sub(vb, vw) as tf.Tensor2D;
  const rw = tf.sub(vr, vw) as tf.Tensor2D;
  return tf.mean(tf.add(tf.sub(1, cosine(bw, axis)), tf.sub(1, cosine(rw, bw)))) as tf.Scalar;
}

export function perpendicularLoss(
  vb: tf.Tensor2D,
  vr: tf.Tensor2D,
  vw: tf.Tensor2D,
  sb: tf.Tensor1D,
  sr: tf.Tensor1D,
  sw: tf.Tensor1D,
): tf.Scalar {
  const bw = tf.sub(vb, vw) as tf.Tensor2D;
  const rw = tf.sub(vr, vw) as tf.Tensor2D;
  const bwSquared = dot(bw, bw);
  const t = tf.clipByValue(tf.div(dot(rw, bw), tf.add(bwSquared, EPS)), 0, 1);
  const off = tf.sub(rw, tf.mul(tf.expandDims(t, -1), bw)) as tf.Tensor2D;
  const deviation = tf.div(dot(off, off), tf.add(bwSquared, EPS));
  // The betweenness of the medium score; the ratio is clipped so a near-tie of b and w cannot explode it.
  const gap = tf.sub(sb, sw);
  const ts = tf.clipByValue(tf.div(tf.sub(sr, sw), tf.add(gap, EPS)), -10, 10);
  // Only where good is above poor: otherwise "between" is undefined, and the ratio's gradient would
  // reward widening the wrong-way gap (the ranking term puts the order right first).
  const ordered = tf.step(tf.sub(gap, EPS));
  const hinge = tf.mul(tf.add(tf.relu(tf.neg(ts)), tf.relu(tf.sub(ts, 1))), ordered);
  return tf.mean(tf.add(deviation, hinge)) as tf.Scalar;
}

/**
 * Scores of b and w on every dimension ([batch, dims] each); the unit's own dimension is masked
 * out (`own` is one-hot), the others should not move: mean squared change.
 */
export function invarianceLoss(allB: tf.Tensor2D, allW: tf.Tensor2D, own: tf.Tensor2D): tf.Scalar {
  const others = tf.sub(1, own);
  const moved = tf.mul(tf.square(tf.sub(allB, allW)), others);
  return tf.div(tf.sum(moved), tf.add(tf.sum(others), EPS)) as tf.Scalar;
}

/**
 * Cross-entropy of sigmoid(logits) against targets in [0, 1]: logistic regression on verdicts,
 * and with soft targets on graded scores. Chosen over squared error, whose gradient vanishes
 * where a calibrated score is confidently wrong.
 */
export function absoluteLoss(logits: tf.Tensor1D, targets: tf.Tensor1D): tf.Scalar {
  return tf.mean(tf.sub(tf.softplus(logits), tf.mul(targets, logits))) as tf.Scalar;
}

/** Rubric scores live in [-1, 1]; the scale makes a gap of 0.1 worth a logit of 1. */
export const PREFERENCE_SCALE = 10;

/** -log sigmoid(scale (R_better - R_worse)) over preference pairs. */
export function preferenceLoss(gaps: tf.Tensor1D): tf.Scalar {
  return tf.mean(negLogSigmoid(tf.mul(gaps, PREFERENCE_SCALE) as tf.Tensor1D)) as tf.Scalar;
}

/** The displacement between an answer that meets a criterion and one that does not lies along the criterion's axis. */
export function criterionAxisLoss(vMet: tf.Tensor2D, vUnmet: tf.Tensor2D, axis: tf.Tensor2D): tf.Scalar {
  return tf.mean(tf.sub(1, cosine(tf.sub(vMet, vUnmet) as tf.Tensor2D, axis))) as tf.Scalar;
}
