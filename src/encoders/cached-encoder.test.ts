import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { createHashEncoder } from "../../test/hash-encoder.js";
import { type Standin, startStandin } from "../../test/openai-standin.js";
import { tempDir } from "../../test/temp-dir.js";
import type { Encoder } from "../core/types.js";
import { createLlmClient } from "../llm/openai-client.js";
import { openSqliteStore } from "../store/sqlite-store.js";
import type { Store } from "../store/store.js";
import { withCache } from "./cached-encoder.js";
import { createOpenAIEncoder } from "./openai-encoder.js";

let server: Standin;
beforeAll(async () => {
  server = await startStandin({ embeddingDim: 16 });
});
afterAll(() => server.close());

const encoder = (model = "embedder") =>
  createOpenAIEncoder({
    client: createLlmClient({ endpoints: [{ baseUrl: server.url }], model, retry: { retries: 0 } }),
    baseUrl: server.url,
    dim: 16,
  });

/** The inputs of the embedding requests made while `run` ran, and what it returned. */
async function watch<T>(run: () => Promise<T>): Promise<{ inputs: string[][]; result: T }> {
  const before = server.requests.length;
  const result = await run();
  return { inputs: server.requests.slice(before).map((request) => (request.body as { input: string[] }).input), result };
}

async function storePath(): Promise<string> {
  return join(await tempDir(), "store.sqlite");
}

function openStore(path: string): Store {
  const store = openSqliteStore(path);
  onTestFinished(() => store.close());
  return store;
}

const numbers = (vectors: readonly Float32Array[]) => vectors.map((vector) => [...vector]);

describe("withCache", () => {
  it("embeds each distinct text once, keeping order and giving repeats their own copy", async () => {
    const cached = withCache(await encoder(), openStore(await storePath()));
    const first = await watch(() => cached.embed(["a", "b", "a"]));
    expect(first.inputs).toEqual([["a", "b"]]);
    const [a, , aAgain] = first.result;
    expect([...(aAgain as Float32Array)]).toEqual([...(a as Float32Array)]);
    expect(aAgain).not.toBe(a);
    expect((await watch(() => cached.embed(["b", "a"]))).inputs).toEqual([]);
    expect((await watch(() => cached.embed(["c", "a", "c"]))).inputs).toEqual([["c"]]);
    const direct = await (await encoder()).embed(["c", "b", "a"]);
    expect(numbers(await cached.embed(["c", "b", "a"]))).toEqual(numbers(direct));
  });

  it("survives reopening the store, and never shares vectors between encoders", async () => {
    const path = await storePath();
    const first = openSqliteStore(path);
    const saved = await withCache(await encoder(), first).embed(["kept across runs"]);
    first.close();
    const store = await openStore(path);
    const reopened = await watch(async () => withCache(await encoder(), store).embed(["kept across runs"]));
    expect(reopened.inputs).toEqual([]);
    expect(numbers(reopened.result)).toEqual(numbers(saved));
    const other = await watch(async () => withCache(await encoder("other-model"), store).embed(["kept across runs"]));
    expect(other.inputs).toEqual([["kept across runs"]]);
  });

  it("saves each batch as it finishes, so a call that fails part-way keeps what was embedded, and reports progress", async () => {
    const hash = createHashEncoder(8);
    let calls = 0;
    // Fails on its third batch, as a killed or crashed run would stop.
    const failing: Encoder = {
      id: hash.id,
      dim: hash.dim,
      embed: (texts) => (++calls === 3 ? Promise.reject(new Error("embedding failed")) : hash.embed(texts)),
    };
    const store = openStore(await storePath());
    const texts = Array.from({ length: 10 }, (_, i) => `text ${i}`);
    const reports: [number, number][] = [];
    await expect(
      withCache(failing, store, { batchSize: 4, onProgress: (done, total) => reports.push([done, total]) }).embed(texts),
    ).rejects.toThrow("embedding failed");
    expect(reports).toEqual([
      [0, 10],
      [4, 10],
      [8, 10],
    ]);
    const asked: string[] = [];
    const counting: Encoder = {
      id: hash.id,
      dim: hash.dim,
      embed: (rest) => {
        asked.push(...rest);
        return hash.embed(rest);
      },
    };
    expect(numbers(await withCache(counting, store).embed(texts))).toEqual(numbers(await hash.embed(texts)));
    expect(asked).toEqual(["text 8", "text 9"]);
  });
});

describe("Store embedding cache", () => {
  it("round-trips 10,000 vectors bit for bit, views into larger buffers included, and skips unknown keys", async () => {
    const store = openStore(await storePath());
    const backing = new Float32Array(10_000 * 8 + 1).map((_, i) => Math.sin(i) / 3);
    // Offset by one float, so every vector is a view that does not start at its buffer's beginning.
    const entries = Array.from({ length: 10_000 }, (_, i) => ({ key: `k${i}`, vector: backing.subarray(1 + i * 8, 9 + i * 8) }));
    await store.saveEmbeddings("test-encoder", entries);
    const found = await store.cachedEmbeddings([...entries.map((entry) => entry.key), "missing"]);
    expect(found.size).toBe(10_000);
    expect(found.has("missing")).toBe(false);
    for (const { key, vector } of entries) expect([...(found.get(key) as Float32Array)]).toEqual([...vector]);
  });
});
