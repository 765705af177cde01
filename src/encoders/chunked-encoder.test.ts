import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maxDifference } from "../../test/encoder-contract.js";
import { type Standin, startStandin } from "../../test/openai-standin.js";
import { createLlmClient } from "../llm/openai-client.js";
import { splitIntoChunks, withChunking } from "./chunked-encoder.js";
import { createOpenAIEncoder } from "./openai-encoder.js";

let server: Standin;
beforeAll(async () => {
  server = await startStandin({ embeddingDim: 16 });
});
afterAll(() => server.close());

const inner = () =>
  createOpenAIEncoder({
    client: createLlmClient({ endpoints: [{ baseUrl: server.url }], model: "embedder", retry: { retries: 0 } }),
    baseUrl: server.url,
    dim: 16,
  });

describe("splitIntoChunks", () => {
  it("leaves a short text whole", () => {
    expect(splitIntoChunks("Short. Text.", 12)).toEqual(["Short. Text."]);
  });

  it("packs whole sentences and lines into chunks that join back into the text", () => {
    const text = 'He said "stop." Then left! Why?\nA line with no stop\nLast one. End.';
    const chunks = splitIntoChunks(text, 30);
    expect(chunks).toEqual(['He said "stop." Then left! ', "Why?\nA line with no stop\n", "Last one. End."]);
  });

  it("cuts an over-long sentence, at a space in the second half of the window, else hard", () => {
    expect(splitIntoChunks("alpha beta gamma delta epsilon", 12)).toEqual(["alpha beta ", "gamma delta ", "epsilon"]);
    expect(splitIntoChunks("x".repeat(45), 20)).toEqual(["x".repeat(20), "x".repeat(20), "x".repeat(5)]);
  });

  it("never cuts a surrogate pair in half", () => {
    const chunks = splitIntoChunks("😀".repeat(15), 7);
    expect(chunks.join("")).toBe("😀".repeat(15));
    for (const chunk of chunks) expect(chunk.length % 2 === 0 && chunk.length <= 7).toBe(true);
  });
});

describe("withChunking", () => {
  const long = Array.from({ length: 12 }, (_, i) => `Sentence number ${i} about a symptom.`).join(" ");

  it("mean-pools the chunk vectors of a long text and normalises the mean", async () => {
    const encoder = await inner();
    const chunks = splitIntoChunks(long, 80);
    expect(chunks.length).toBeGreaterThan(3);
    const chunkVectors = await encoder.embed(chunks);
    const mean = Array.from({ length: 16 }, (_, d) => chunkVectors.reduce((sum, v) => sum + (v[d] as number), 0) / chunks.length);
    const norm = Math.hypot(...mean);
    const [pooled] = await withChunking(encoder, { maxChars: 80 }).embed([long]);
    expect(
      maxDifference(
        pooled as Float32Array,
        Float32Array.from(mean, (value) => value / norm),
      ),
    ).toBeLessThan(1e-6);
  });

  it("passes short texts through unchanged, and sends every chunk of a call in one inner call", async () => {
    const encoder = await inner();
    const chunked = withChunking(encoder, { maxChars: 80 });
    expect([chunked.id, chunked.dim]).toEqual([`${encoder.id}+chunk80`, 16]);
    const before = server.requests.length;
    const [first, , last] = await chunked.embed(["A short one.", long, "Another short one."]);
    expect(server.requests.slice(before).map((request) => (request.body as { input: string[] }).input)).toEqual([
      ["A short one.", ...splitIntoChunks(long, 80), "Another short one."],
    ]);
    const [a, b] = await encoder.embed(["A short one.", "Another short one."]);
    expect([...(first as Float32Array)]).toEqual([...(a as Float32Array)]);
    expect([...(last as Float32Array)]).toEqual([...(b as Float32Array)]);
  });

  it("refuses a window too small to hold a character", async () => {
    const encoder = await inner();
    expect(() => withChunking(encoder, { maxChars: 1 })).toThrow(RangeError);
  });
});
