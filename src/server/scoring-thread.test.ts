import { afterAll, describe, expect, it } from "vitest";
import { trainHashModel } from "../../test/hash-model.js";
import type { Misbehaviour } from "../../test/misbehaving-model.js";
import { MedrubricError } from "../core/errors.js";
import { type BatchingOptions, QueueFullError } from "./micro-batcher.js";
import { createRewardApp } from "./reward-app.js";
import { type ScoringThread, startScoringThread } from "./scoring-thread.js";
import { listen } from "./serve-rewards.js";
import { createServerMetrics } from "./server-metrics.js";

const hashModel = new URL("../../test/hash-model.ts", import.meta.url);
const batching = { maxBatch: 8, maxWaitMs: 0, maxQueue: 16 };
const misbehaving = (behaviour: Misbehaviour, options: BatchingOptions = batching) =>
  startScoringThread(new URL("../../test/misbehaving-model.ts", import.meta.url), behaviour, options);
const threads: ScoringThread[] = [];
afterAll(() => Promise.all(threads.map((t) => t.close())));
const started = async (thread: Promise<ScoringThread>) => {
  threads.push(await thread);
  return threads.at(-1) as ScoringThread;
};

const prompt = [{ role: "user" as const, content: "My child swallowed a button battery." }];
const requests = ["Go to the emergency department now.", "Wait and see."].map((response) => ({
  prompt,
  response,
  scenario: "emergency_triage",
}));

describe("scoring thread", () => {
  it("scores exactly as the same model in process, and describes it", async () => {
    const options = { dim: 32, units: 24, epochs: 2 };
    const thread = await started(startScoringThread(hashModel, options, batching));
    const local = await trainHashModel(options);
    expect(thread.info).toEqual(local.info);
    expect(await thread.scorer.submit(requests)).toEqual(await local.model.score(requests));
  });

  it("passes a refused request back with its kind, and goes on scoring", async () => {
    const thread = await started(startScoringThread(hashModel, { dim: 32, units: 24, epochs: 1 }, batching));
    const refused = thread.scorer.submit([{ prompt, response: "a", scenario: "space_medicine" }]);
    await expect(refused).rejects.toThrow(/unknown scenario "space_medicine"/);
    await expect(refused).rejects.toSatisfy((error) => error instanceof MedrubricError && error.kind === "usage");
    expect(thread.scorer.depth()).toBe(0);
    expect(await thread.scorer.submit(requests)).toHaveLength(2);
  });

  it("fails to start with the loader's error, kind and location kept", async () => {
    const start = misbehaving({ kind: "unloadable" });
    await expect(start).rejects.toThrow("model/weights.json: tensors: missing");
    await expect(start).rejects.toSatisfy((error) => error instanceof MedrubricError && error.kind === "input");
  });

  it("rejects the batch in flight and reports the failure when the thread dies", async () => {
    const thread = await started(misbehaving({ kind: "exits" }));
    await expect(thread.scorer.submit(requests)).rejects.toThrow("the scoring thread exited with code 3");
    expect((await thread.failed).message).toBe("the scoring thread exited with code 3");
  });

  it("scores the requests of one event-loop turn as one batch", async () => {
    const sizes: number[] = [];
    const thread = await started(
      startScoringThread(hashModel, { dim: 32, units: 24, epochs: 1 }, { ...batching, onBatch: (size) => sizes.push(size) }),
    );
    await Promise.all([thread.scorer.submit(requests), thread.scorer.submit(requests.slice(0, 1)), thread.scorer.submit(requests)]);
    expect(sizes).toEqual([5]);
  });

  it("batches the requests that come in while a batch is scored", async () => {
    const sizes: number[] = [];
    const thread = await started(misbehaving({ kind: "busy", ms: 300 }, { ...batching, onBatch: (size) => sizes.push(size) }));
    const first = thread.scorer.submit(requests.slice(0, 1));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const next = [thread.scorer.submit(requests), thread.scorer.submit(requests.slice(0, 1))];
    await Promise.all([first, ...next]);
    expect(sizes).toEqual([1, 3]);
  });

  it("refuses at once what would overflow the queue, counting what the busy thread holds", async () => {
    const thread = await started(misbehaving({ kind: "busy", ms: 300 }, { ...batching, maxQueue: 2 }));
    const admitted = thread.scorer.submit(requests);
    expect(thread.scorer.depth()).toBe(2);
    await expect(thread.scorer.submit(requests.slice(0, 1))).rejects.toBeInstanceOf(QueueFullError);
    await thread.scorer.drain();
    expect(thread.scorer.depth()).toBe(0);
    expect(await admitted).toHaveLength(2);
  });

  it("keeps the server answering while a batch holds the model's CPU", async () => {
    const thread = await started(misbehaving({ kind: "busy", ms: 1500 }));
    const app = createRewardApp({ scorer: thread.scorer, info: thread.info, metrics: createServerMetrics(), maxBodyBytes: 10_000 });
    const server = await listen(app, "127.0.0.1", 0);
    const order: string[] = [];
    const scoring = fetch(`${server.url}/v1/score`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt, responses: ["a"] }),
    }).then((response) => order.push(`score ${response.status}`));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const health = await fetch(`${server.url}/healthz`);
    order.push(`healthz ${health.status}`);
    await scoring;
    await server.close();
    // In the HTTP thread, the batch would have held /healthz until it was done.
    expect(order).toEqual(["healthz 200", "score 200"]);
  });

  /** The app on a real socket over a scoring thread; `post` sends one /v1/score body. */
  const serveThread = async (thread: ScoringThread, maxBodyBytes = 10_000) => {
    const server = await listen(
      createRewardApp({ scorer: thread.scorer, info: thread.info, metrics: createServerMetrics(), maxBodyBytes }),
      "127.0.0.1",
      0,
    );
    const post = (responses: string[]) =>
      fetch(`${server.url}/v1/score`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ prompt, responses }),
      });
    return { server, post, health: () => fetch(`${server.url}/healthz`) };
  };

  it("answers a small request within 1 s while a maximal one is in flight, and drops the maximal one at its deadline", async () => {
    // An encoder's cost: 2 µs a character, so the maximal request (the default body limit full of
    // answers at the default --max-answer-chars) is 8 s of scoring, a batch at most 0.2 s.
    const thread = await started(
      misbehaving(
        { kind: "per-char", usPerChar: 2 },
        { maxBatch: 64, maxWaitMs: 0, maxQueue: 4096, maxBatchCost: 100_000, deadlineMs: 3000 },
      ),
    );
    const { server, post, health } = await serveThread(thread, 4 * 1024 * 1024);
    const t0 = performance.now();
    const maximal = post(Array.from({ length: 200 }, () => "x".repeat(20_000)));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const sent = performance.now();
    const small = await post(["a short answer"]);
    expect(small.status).toBe(200);
    expect(performance.now() - sent).toBeLessThan(1000);
    const refused = await maximal;
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({
      error: "not scored within --request-timeout-ms 3000; the server is overloaded or the request too large",
    });
    expect(performance.now() - t0).toBeLessThan(4000);
    // What had not started was dropped: the thread is free again within a batch.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await (await health()).json()).toMatchObject({ status: "ok", queue_depth: 0 });
    await server.close();
  });

  it("drops what it has not started of a request whose client hung up", async () => {
    const thread = await started(misbehaving({ kind: "per-char", usPerChar: 2 }, { ...batching, maxQueue: 4096, maxBatchCost: 100_000 }));
    const { server, health } = await serveThread(thread, 4 * 1024 * 1024);
    const abort = new AbortController();
    const gone = fetch(`${server.url}/v1/score`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt, responses: Array.from({ length: 200 }, () => "x".repeat(20_000)) }),
      signal: abort.signal,
    }).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 500));
    abort.abort();
    await gone;
    // 8 s of scoring were asked for; within a batch of the hang-up the thread is free again.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await (await health()).json()).toMatchObject({ status: "ok", queue_depth: 0 });
    await server.close();
  });

  it("reports unready on /healthz while a batch overruns the request deadline", async () => {
    const thread = await started(misbehaving({ kind: "busy", ms: 1500 }, { ...batching, deadlineMs: 500 }));
    const { server, post, health } = await serveThread(thread);
    const scoring = post(["a"]);
    await new Promise((resolve) => setTimeout(resolve, 800));
    const unready = await health();
    expect(unready.status).toBe(503);
    expect(await unready.json()).toMatchObject({
      status: "unready",
      reason: expect.stringMatching(/^the scoring thread has been on one batch for \d+ ms, over --request-timeout-ms 500$/),
    });
    expect((await scoring).status).toBe(503);
    await thread.scorer.drain();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await health()).status).toBe(200);
    await server.close();
  });
});
