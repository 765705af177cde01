import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { createRng } from "../core/random.js";
import { useWasmBackend } from "./tf-backend.js";

beforeAll(useWasmBackend);

/** A [rows, columns] matrix of seeded values in [-1, 1), as nested arrays. */
function matrix(rows: number, columns: number, seed: number): number[][] {
  const random = createRng(seed);
  return Array.from({ length: rows }, () => Array.from({ length: columns }, () => 2 * random() - 1));
}

const transpose = (m: number[][]) => (m[0] ?? []).map((_, j) => m.map((row) => row[j] as number));
const product = (a: number[][], b: number[][]) =>
  a.map((row) => (b[0] ?? []).map((_, j) => row.reduce((s, x, k) => s + x * (b[k]?.[j] as number), 0)));

describe("the matrix product's gradient on the WebAssembly backend", () => {
  it.each([
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ])("transposeA %s, transposeB %s: d/dA and d/dB of sum(W * (A B)) as worked out by hand", (transposeA, transposeB) => {
    // C = op(A) op(B) is [3, 5], through an inner size of 4; W weighs each entry of C.
    const opA = matrix(3, 4, 1);
    const opB = matrix(4, 5, 2);
    const w = matrix(3, 5, 3);
    const a = tf.tensor2d(transposeA ? transpose(opA) : opA);
    const b = tf.tensor2d(transposeB ? transpose(opB) : opB);
    const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, transposeA, transposeB), tf.tensor2d(w))))([
      a,
      b,
    ]);
    // dL/d op(A) = W op(B)^T and dL/d op(B) = op(A)^T W, transposed back where the operand was.
    const dOpA = product(w, transpose(opB));
    const dOpB = product(transpose(opA), w);
    const expected = [transposeA ? transpose(dOpA) : dOpA, transposeB ? transpose(dOpB) : dOpB];
    for (const [i, got] of [da, db].entries())
      ((got as tf.Tensor).arraySync() as number[][]).forEach((row, r) => {
        row.forEach((value, c) => {
          expect(value).toBeCloseTo(expected[i]?.[r]?.[c] as number, 5);
        });
      });
  });
});
