import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { describeEncoderContract, maxDifference } from "../../test/encoder-contract.js";
import { GLOVE_CONVERSION_TIMEOUT_MS, GLOVE_TEST_DIR } from "../../test/glove-data-dir.js";
import { type Standin, startStandin } from "../../test/openai-standin.js";
import { runCommand } from "../../test/run-command.js";
import { tempDir } from "../../test/temp-dir.js";
import { TINY_HIDDEN_SIZE, writeTinyOnnxModel } from "../../test/tiny-onnx-model.js";
import { ConfigError, UsageError } from "../core/errors.js";
import { hashJson } from "../core/hash.js";
import type { Encoder } from "../core/types.js";
import { createLlmClient } from "../llm/openai-client.js";
import { openSqliteStore } from "../store/sqlite-store.js";
import type { Store } from "../store/store.js";
import { withCache } from "./cached-encoder.js";
import { withChunking } from "./chunked-encoder.js";
import { createEncoder } from "./encoder-spec.js";
import { createGloveEncoder } from "./glove-encoder.js";
import { createOnnxEncoder } from "./onnx-encoder.js";
import { createOpenAIEncoder } from "./openai-encoder.js";
import { createUseLiteEncoder } from "./use-lite-encoder.js";

let server: Standin;
let onnxDir: string;
beforeAll(async () => {
  // Converts GloVe's vectors on the first run of the suite on this machine (shared with glove-encoder.test.ts).
  await (await createGloveEncoder({ dir: GLOVE_TEST_DIR })).embed(["warm-up"]);
  server = await startStandin({ embeddingDim: 16 });
  onnxDir = await writeTinyOnnxModel(join(await mkdtemp(join(tmpdir(), "medrubric-onnx-")), "tiny-bert"));
}, GLOVE_CONVERSION_TIMEOUT_MS);
afterAll(async () => {
  await server.close();
  await rm(join(onnxDir, ".."), { recursive: true, force: true });
});

// One model for the whole file: loading it is quick, but every fresh model pays tfjs's warm-up again.
let useLite: Promise<Encoder> | undefined;
const chunkedUseLite = () => (useLite ??= createUseLiteEncoder().then((encoder) => withChunking(encoder)));

const openai = () =>
  createOpenAIEncoder({
    client: createLlmClient({ endpoints: [{ baseUrl: server.url }], model: "embedder", retry: { retries: 0 } }),
    baseUrl: server.url,
  });

async function tempStore(): Promise<Store> {
  const store = openSqliteStore(join(await tempDir(), "store.sqlite"));
  onTestFinished(() => store.close());
  return store;
}

describeEncoderContract("USE-lite, chunked", chunkedUseLite);
describeEncoderContract("OpenAI-compatible /v1/embeddings", openai);
describeEncoderContract("USE-lite, chunked, cached", async () => withCache(await chunkedUseLite(), await tempStore()));
describeEncoderContract("OpenAI-compatible, cached", async () => withCache(await openai(), await tempStore()));
describeEncoderContract("local ONNX directory", () => createOnnxEncoder(onnxDir));
describeEncoderContract("local ONNX directory, chunked, cached", async () =>
  createEncoder(`onnx:${onnxDir}`, { store: await tempStore() }),
);
describeEncoderContract("use-lite+glove, cached", async () =>
  createEncoder("use-lite+glove", { store: await tempStore(), dataDir: GLOVE_TEST_DIR }),
);
describeEncoderContract("OpenAI-compatible+glove", () => createEncoder(`openai:${server.url}#embedder+glove`, { dataDir: GLOVE_TEST_DIR }));

describe("createOpenAIEncoder", () => {
  const client = () => createLlmClient({ endpoints: [{ baseUrl: server.url }], model: "embedder", retry: { retries: 0 } });

  it("splits a call into requests of batchSize texts and keeps the order", async () => {
    const encoder = await createOpenAIEncoder({ client: client(), baseUrl: server.url, dim: 16, batchSize: 4 });
    const texts = Array.from({ length: 10 }, (_, i) => `text ${i}`);
    const before = server.requests.length;
    const batched = await encoder.embed(texts);
    expect(server.requests.slice(before).map((request) => (request.body as { input: string[] }).input.length)).toEqual([4, 4, 2]);
    const [last] = await encoder.embed(["text 9"]);
    expect([...(batched[9] as Float32Array)]).toEqual([...(last as Float32Array)]);
  });

  it("refuses vectors of another length than the declared dimension", async () => {
    const encoder = await createOpenAIEncoder({ client: client(), baseUrl: server.url, dim: 8 });
    await expect(encoder.embed(["x"])).rejects.toThrow(
      `openai:${server.url}#embedder: the server returned a vector of 16 numbers, expected 8`,
    );
  });
});

describe("createEncoder", () => {
  const embeddingRequests = () => server.requests.filter((request) => request.path === "/v1/embeddings").length;

  it("builds chunked USE-lite, named by the weights' package version", async () => {
    const encoder = await createEncoder("use-lite");
    expect([encoder.id, encoder.dim]).toEqual(["use-lite@0.2.0+chunk1000", 512]);
  });

  it("gives a text the same USE-lite vector whatever else is in the call, to the last digit", async () => {
    const encoder = await createUseLiteEncoder();
    const texts = ["chest pain", "Call emergency services now.", "", "Take ibuprofen 400 mg with food, at most three times a day."];
    const together = await encoder.embed(texts);
    const apart = await Promise.all(texts.map(async (text) => (await encoder.embed([text]))[0]));
    expect(together).toEqual(apart);
    expect((await encoder.embed([...texts].reverse())).reverse()).toEqual(together);
  });

  it("loads USE-lite without tfjs's warnings about the second copy bundled with it", async () => {
    // In a fresh process, as a reward model and its encoder load there (here both copies are loaded already).
    const backend = new URL("../rm/tf-backend.ts", import.meta.url).href;
    const entry = new URL("./use-lite-encoder.ts", import.meta.url).href;
    const script = `await (await import(${JSON.stringify(backend)})).useWasmBackend();
      const { createUseLiteEncoder } = await import(${JSON.stringify(entry)});
      const vectors = await (await createUseLiteEncoder()).embed(["chest pain"]);
      console.log(vectors[0].length);`;
    const result = await runCommand(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script]);
    expect(result).toMatchObject({ code: 0, stdout: "512\n", stderr: "" });
  });

  it("builds a chunked OpenAI-compatible encoder, normalising the URL and finding the dimension", async () => {
    const encoder = await createEncoder(`openai:${server.url.replace(/\/v1$/, "/")}#embedder`);
    expect([encoder.id, encoder.dim]).toEqual([`openai:${server.url}#embedder+chunk4000`, 16]);
    expect(await encoder.embed(["a", "b"])).toHaveLength(2);
  });

  it("caches outermost when given a store, under the same id", async () => {
    const encoder = await createEncoder(`openai:${server.url}#embedder`, { store: await tempStore() });
    expect(encoder.id).toBe(`openai:${server.url}#embedder+chunk4000`);
    await encoder.embed(["cached once"]);
    const before = embeddingRequests();
    await encoder.embed(["cached once"]);
    expect(embeddingRequests()).toBe(before);
  });

  it("builds a chunked encoder from a local ONNX directory, named by its weights' hash", async () => {
    const encoder = await createEncoder(`onnx:${onnxDir}`);
    expect(encoder.id).toMatch(/^onnx@[0-9a-f]{12}\+mean\+chunk1500$/);
    expect(encoder.dim).toBe(TINY_HIDDEN_SIZE);
  });

  it("refuses a missing ONNX directory, unknown forms and malformed onnx and openai specs", async () => {
    await expect(createEncoder("onnx:/models/bge-small")).rejects.toThrow(ConfigError);
    await expect(createEncoder("onnx:/models/bge-small")).rejects.toThrow(
      "onnx:/models/bge-small: no model directory at /models/bge-small",
    );
    await expect(createEncoder("onnx:")).rejects.toThrow(/name the model directory/);
    await expect(createEncoder("bge-m3")).rejects.toThrow(UsageError);
    await expect(createEncoder("bge-m3")).rejects.toThrow("expected use-lite, glove, openai:URL#MODEL");
    await expect(createEncoder("openai:http://127.0.0.1:8000/v1")).rejects.toThrow(/name the model after '#'/);
    await expect(createEncoder("openai:http://127.0.0.1:8000/v1#")).rejects.toThrow(UsageError);
    await expect(createEncoder("openai:localhost:8000#bge")).rejects.toThrow(/not an http\(s\) URL/);
  });

  it("joins two encoders as A+B: each part normalised, the whole renormalised, named by both ids", async () => {
    const store = await tempStore();
    const pair = await createEncoder(`openai:${server.url}#embedder+glove`, { store, dataDir: GLOVE_TEST_DIR });
    const openaiPart = await createEncoder(`openai:${server.url}#embedder`);
    const glovePart = await createEncoder("glove", { dataDir: GLOVE_TEST_DIR });
    expect([pair.id, pair.dim]).toEqual([`(${openaiPart.id})+(glove-sg-100d@1.1.0+sif1e-3+pc1)`, 16 + 100]);
    const text = "chest pain and sweating";
    const [joined] = await pair.embed([text]);
    const [a] = await openaiPart.embed([text]);
    const [b] = await glovePart.embed([text]);
    const expected = Float32Array.from([...(a as Float32Array), ...(b as Float32Array)], (value) => value * Math.SQRT1_2);
    expect(maxDifference(joined as Float32Array, expected)).toBeLessThan(1e-6);
    // The remote part is cached under its own id; GloVe's vectors are not stored (cheaper to compute).
    expect((await store.cachedEmbeddings([hashJson([openaiPart.id, text])])).size).toBe(1);
    expect((await store.cachedEmbeddings([hashJson([glovePart.id, text]), hashJson([pair.id, text])])).size).toBe(0);
  });

  it("refuses a join of more than two encoders and an unknown part", async () => {
    await expect(createEncoder("use-lite+glove+glove")).rejects.toThrow("encoder use-lite+glove+glove: A+B joins two encoders, not more");
    await expect(createEncoder("bge+glove")).rejects.toThrow('unknown encoder "bge"');
  });

  it("needs an API key for a remote server: the flag, then the environment", async () => {
    vi.stubEnv("MEDRUBRIC_ENCODER_API_KEY", "");
    vi.stubEnv("OPENAI_API_KEY", "");
    onTestFinished(() => {
      vi.unstubAllEnvs();
    });
    const call = createEncoder("openai:https://embeddings.example.com/v1#bge-m3");
    await expect(call).rejects.toThrow(ConfigError);
    await expect(call).rejects.toThrow(/--encoder-api-key KEY or set MEDRUBRIC_ENCODER_API_KEY or OPENAI_API_KEY/);
  });
});
