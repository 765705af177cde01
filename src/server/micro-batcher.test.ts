import { setTimeout as delay } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { createMicroBatcher, DeadlineError, QueueFullError } from "./micro-batcher.js";

function doubler(options: { maxBatch: number; maxWaitMs: number; maxQueue: number; runMs?: number }) {
  const batches: number[][] = [];
  const batcher = createMicroBatcher<number, number>({
    ...options,
    run: async (items) => {
      batches.push(items);
      if (options.runMs) await delay(options.runMs);
      return items.map((x) => x * 2);
    },
  });
  return { batcher, batches };
}

describe("createMicroBatcher", () => {
  it("gathers concurrent submissions into one batch within the wait", async () => {
    const { batcher, batches } = doubler({ maxBatch: 10, maxWaitMs: 20, maxQueue: 100 });
    const results = await Promise.all([batcher.submit([1, 2]), batcher.submit([3]), batcher.submit([4, 5])]);
    expect(results).toEqual([[2, 4], [6], [8, 10]]);
    // Taken in turn from each submission.
    expect(batches).toEqual([[1, 3, 4, 2, 5]]);
  });

  it("runs a full batch at once and splits what is larger", async () => {
    const { batcher, batches } = doubler({ maxBatch: 2, maxWaitMs: 10_000, maxQueue: 100 });
    const started = Date.now();
    expect(await batcher.submit([1, 2, 3, 4])).toEqual([2, 4, 6, 8]);
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("lets the event loop read and answer requests between back-to-back batches", async () => {
    const events: string[] = [];
    const batcher = createMicroBatcher<number, number>({
      maxBatch: 2,
      maxWaitMs: 0,
      maxQueue: 100,
      run: async (items) => {
        events.push(`batch ${items.join(",")}`);
        return items;
      },
    });
    const all = batcher.submit([1, 2, 3, 4, 5, 6]);
    setImmediate(() => events.push("I/O"));
    await all;
    expect(events).toEqual(["batch 1,2", "I/O", "batch 3,4", "batch 5,6"]);
  });

  it("refuses a submission that would overflow the queue, with a retry hint", async () => {
    const { batcher } = doubler({ maxBatch: 2, maxWaitMs: 5, maxQueue: 4, runMs: 50 });
    const first = batcher.submit([1, 2]);
    await new Promise(setImmediate); // running
    const waiting = batcher.submit([3, 4, 5, 6]); // fills the queue
    const refused = await batcher.submit([7]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(QueueFullError);
    expect((refused as QueueFullError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(await first).toEqual([2, 4]);
    expect(await waiting).toEqual([6, 8, 10, 12]);
    await batcher.drain();
    expect(batcher.depth()).toBe(0);
  });

  it("passes a failed batch's error to every request in it, and keeps serving", async () => {
    let fail = true;
    const batcher = createMicroBatcher<number, number>({
      maxBatch: 4,
      maxWaitMs: 5,
      maxQueue: 10,
      run: async (items) => {
        if (fail) throw new Error("model failed");
        return items;
      },
    });
    await expect(Promise.all([batcher.submit([1]), batcher.submit([2])])).rejects.toThrow("model failed");
    fail = false;
    expect(await batcher.submit([3])).toEqual([3]);
  });

  it("takes a batch in turn from every submission, within the cost budget, so a small one never waits behind a large one", async () => {
    const batches: string[][] = [];
    const batcher = createMicroBatcher<string, number>({
      maxBatch: 4,
      maxWaitMs: 0,
      maxQueue: 100,
      maxBatchCost: 6,
      cost: (item) => item.length,
      run: async (items) => {
        batches.push(items);
        await delay(5);
        return items.map((item) => item.length);
      },
    });
    const large = batcher.submit(["aaaa", "bbbb", "cccc", "dddd"]);
    const small = batcher.submit(["x", "y"]);
    // One item over the budget still runs, alone.
    const huge = batcher.submit(["z".repeat(10)]);
    await Promise.all([large, small, huge]);
    expect(batches).toEqual([["aaaa", "x"], ["z".repeat(10)], ["bbbb", "y"], ["cccc"], ["dddd"]]);
  });

  it("refuses a submission past its deadline and drops what of it had not started", async () => {
    const batches: number[][] = [];
    const batcher = createMicroBatcher<number, number>({
      maxBatch: 1,
      maxWaitMs: 0,
      maxQueue: 100,
      deadlineMs: 120,
      run: async (items) => {
        batches.push(items);
        await delay(50);
        return items;
      },
    });
    const started = performance.now();
    const refused = await batcher.submit([1, 2, 3, 4, 5, 6]).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DeadlineError);
    expect((refused as Error).message).toBe(
      "not scored within --request-timeout-ms 120; the server is overloaded or the request too large",
    );
    expect(performance.now() - started).toBeLessThan(400);
    expect(batcher.depth()).toBe(0);
    await batcher.drain();
    expect(batches).toEqual([[1], [2], [3]]);
    expect(await batcher.submit([7])).toEqual([7]);
  });
});
