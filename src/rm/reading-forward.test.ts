import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { createRng } from "../core/random.js";
import { unitVector } from "../encoders/unit-vector.js";
import { createNetwork, type GprcNetwork, networkVariables, readRows } from "./gprc-network.js";
import { disposeBatch, EVIDENCE_FEATURES, type Reading, readingTensors } from "./reading-batch.js";
import { readingWeights, readLogits } from "./reading-forward.js";
import { useWasmBackend } from "./tf-backend.js";

beforeAll(useWasmBackend);

const SHAPE = { inputDim: 20, hidden: 12, latent: 6, attention: 5, groups: 4, evidence: EVIDENCE_FEATURES };

/** A network with every weight random, so every term of the formula shows in the logits. */
function randomNetwork(seed: number): GprcNetwork {
  const network = createNetwork(SHAPE, seed);
  const random = createRng(seed);
  for (const v of networkVariables(network)) {
    v.assign(
      tf.tensor(
        Array.from({ length: v.size }, () => random() * 2 - 1),
        v.shape,
      ),
    );
  }
  return network;
}

/** Prompts, answers of one to five parts, and rows on shared and own axes in every group. */
function randomReading(seed: number): { reading: Reading; vectors: Float32Array[] } {
  const random = createRng(seed);
  const vectors: Float32Array[] = [];
  const text = () => vectors.push(unitVector(Array.from({ length: SHAPE.inputDim }, () => random() * 2 - 1))) - 1;
  const sharedAxes = [text(), text(), text()];
  const reading: Reading = { prompts: [text(), text(), text()], answers: [], rows: [] };
  for (let a = 0; a < 9; a++) {
    reading.answers.push({ prompt: a % 3, parts: Array.from({ length: 1 + (a % 5) }, text), length: 50 + 400 * random() });
    for (const axis of [...sharedAxes, text()]) {
      reading.rows.push({ answer: a, axis, group: Math.floor(random() * SHAPE.groups), cover: random() });
    }
  }
  return { reading, vectors };
}

describe("readLogits", () => {
  it("gives the logits of the network's tensor forward pass, readRows", async () => {
    for (const seed of [1, 2, 3]) {
      const network = randomNetwork(seed);
      const { reading, vectors } = randomReading(seed);
      const batch = readingTensors(reading, vectors, SHAPE.groups);
      const logits = readRows(network, batch).logits;
      const expected = Array.from(await logits.data());
      disposeBatch(batch);
      const weights = readingWeights(network);
      const actual = Array.from(readLogits(weights, reading, vectors));
      // A second call reads the axes it computed in the first: the same logits.
      expect(Array.from(readLogits(weights, reading, vectors))).toEqual(actual);
      expect(actual).toHaveLength(reading.rows.length);
      const spread = Math.max(...expected) - Math.min(...expected);
      expect(spread).toBeGreaterThan(1);
      actual.forEach((value, i) => {
        expect(value).toBeCloseTo(expected[i] as number, 4);
      });
    }
  });
});
