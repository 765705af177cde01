/**
 * The tfjs backend for training and scoring: WebAssembly (SIMD), about 7x faster than the
 * pure-JS CPU backend here (BENCHMARKS.md) and the same whether or not USE-lite, which brings
 * its own copy of it, was loaded first. Its kernels lack the gather gradient, so the model never
 * gathers trainable variables (see train-gprc.ts).
 *
 * tfjs's gradient of a matrix product asks for products with a transposed operand (the weights'
 * gradient of `x w` is `x^T dy`, the input's `dy w^T`), which this backend computes on a slow path
 * of plain loops (a product flagged `transposeB` of [90, 64] by [64, 528] took 13 ms here, the same
 * after an explicit transpose 2 ms): in a profile of training, four fifths of all matrix-product time
 * went to those products, against a twentieth for the whole forward pass. So the gradient is
 * registered again with the operands transposed first (a copy) and every product on the fast path;
 * the values are the same sums, in another order. Forward passes do the same (gprc-network.ts).
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";

/** The last two axes swapped. */
function swapped(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  perm.push(...perm.splice(-2).reverse());
  return tf.transpose(x, perm);
}

/** A product on the backend's fast path: neither operand flagged as transposed. */
const matMul = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b);

/** tfjs's BatchMatMul gradient, each product with a transposed operand done as a transpose and a plain product. */
const BATCH_MAT_MUL_GRADIENT: tf.GradConfig = {
  kernelName: tf.BatchMatMul,
  inputsToSave: ["a", "b"],
  gradFunc: (dy, saved, attrs) => {
    const [a, b] = saved as [tf.Tensor, tf.Tensor];
    const grad = dy as tf.Tensor;
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return { a: () => matMul(grad, swapped(b)), b: () => matMul(swapped(a), grad) };
    if (!transposeA && transposeB) return { a: () => matMul(grad, b), b: () => matMul(swapped(grad), a) };
    if (transposeA && !transposeB) return { a: () => matMul(b, swapped(grad)), b: () => matMul(a, grad) };
    return { a: () => matMul(swapped(b), swapped(grad)), b: () => matMul(swapped(grad), swapped(a)) };
  },
};

export async function useWasmBackend(): Promise<void> {
  if (tf.getBackend() !== "wasm") await tf.setBackend("wasm");
  await tf.ready();
  tf.registerGradient(BATCH_MAT_MUL_GRADIENT);
}
