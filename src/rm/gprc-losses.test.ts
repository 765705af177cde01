import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  absoluteLoss,
  axisLoss,
  criterionAxisLoss,
  criterionRankingLoss,
  invarianceLoss,
  PREFERENCE_SCALE,
  perpendicularLoss,
  preferenceLoss,
  rankingLoss,
} from "./gprc-losses.js";
import { useWasmBackend } from "./tf-backend.js";

// The losses run on the backend training uses; tfjs's pure-JS default would also print its
// "install our node backend" banner, which no run of the suite should show.
const warn = vi.spyOn(console, "warn");
beforeAll(useWasmBackend);
afterAll(() => {
  expect(warn.mock.calls.flat().join("\n")).not.toContain("TensorFlow.js in Node.js");
  warn.mockRestore();
});

const v = (rows: number[][]) => tf.tensor2d(rows);
const s = (values: number[]) => tf.tensor1d(values);
const value = (t: tf.Scalar) => t.dataSync()[0] as number;
const softplus = (x: number) => Math.log1p(Math.exp(x));

describe("GPRC losses, hand-worked", () => {
  it("ranking: Bradley-Terry with a margin over the three pairs", () => {
    // s = (2, 1, 0), m = 0.5: pairs (b,r) z=0.5, (r,w) z=0.5, (b,w) z=1.5; loss = sum softplus(-z)
    const expected = 2 * softplus(-0.5) + softplus(-1.5);
    expect(value(rankingLoss(s([2]), s([1]), s([0]), 0.5))).toBeCloseTo(expected, 5);
    // a reversed order costs more
    expect(value(rankingLoss(s([0]), s([1]), s([2]), 0.5))).toBeGreaterThan(expected);
  });

  it("axis: zero when the good-poor displacement lies on the axis and the medium on the same line", () => {
    const u = v([[1, 0]]);
    expect(value(axisLoss(v([[2, 0]]), v([[1, 0]]), v([[0, 0]]), u))).toBeCloseTo(0, 5);
    // b - w along y while the axis is x: 1 - cos = 1; r - w along b - w: 0
    expect(value(axisLoss(v([[0, 2]]), v([[0, 1]]), v([[0, 0]]), u))).toBeCloseTo(1, 5);
  });

  it("perpendicular: the medium's distance off the good-poor segment, relative to its length, plus the betweenness hinge", () => {
    // b=(2,0), w=(0,0), r=(1,1): t=0.5, off=(0,1), deviation = 1/4; scores between: no hinge
    expect(value(perpendicularLoss(v([[2, 0]]), v([[1, 1]]), v([[0, 0]]), s([2]), s([1]), s([0])))).toBeCloseTo(0.25, 4);
    // medium scored above good: t_s = (3 - 0)/(2 - 0) = 1.5, hinge 0.5
    expect(value(perpendicularLoss(v([[2, 0]]), v([[1, 0]]), v([[0, 0]]), s([2]), s([3]), s([0])))).toBeCloseTo(0.5, 4);
  });

  it("perpendicular: no betweenness hinge while good is not above poor, nor a gradient pushing the wrong way", () => {
    // s_b = 0 < s_w = 2, medium at 1: t_s = (1 - 2)/(0 - 2) = 0.5 would read "between"; with s_r = 3,
    // t_s = -0.5 would ask to widen the wrong-way gap. Both leave only the geometric deviation (0 here).
    const [vb, vr, vw] = [v([[2, 0]]), v([[1, 0]]), v([[0, 0]])];
    expect(value(perpendicularLoss(vb, vr, vw, s([0]), s([3]), s([2])))).toBeCloseTo(0, 5);
    const gradient = tf.grad((sb) => perpendicularLoss(vb, vr, vw, sb as tf.Tensor1D, s([3]), s([2])))(s([0]));
    expect(gradient.dataSync()[0]).toBe(0);
  });

  it("invariance: mean squared change of the other dimensions' scores", () => {
    // dims 3, own = 0; changes on dims 1 and 2: 1 and 3 -> (1 + 9) / 2
    expect(value(invarianceLoss(v([[5, 1, 3]]), v([[0, 0, 0]]), v([[1, 0, 0]])))).toBeCloseTo(5, 5);
  });

  it("absolute: cross-entropy of sigmoid(logit) against soft targets", () => {
    // logit 0, target 1: log 2; logit 2, target 0.5: softplus(2) - 1
    expect(value(absoluteLoss(s([0, 2]), s([1, 0.5])))).toBeCloseTo((Math.log(2) + softplus(2) - 1) / 2, 5);
  });

  it("preference and criterion ranking: Bradley-Terry on reward gaps and on axis scores", () => {
    expect(value(preferenceLoss(s([0.1])))).toBeCloseTo(softplus(-PREFERENCE_SCALE * 0.1), 5);
    expect(value(criterionRankingLoss(s([1]), s([0]), 0.5))).toBeCloseTo(softplus(-0.5), 5);
  });

  it("criterion axis: zero when met minus unmet lies on the criterion's axis", () => {
    expect(value(criterionAxisLoss(v([[3, 0]]), v([[1, 0]]), v([[1, 0]])))).toBeCloseTo(0, 5);
    expect(value(criterionAxisLoss(v([[0, 3]]), v([[0, 1]]), v([[1, 0]])))).toBeCloseTo(1, 5);
  });
});
