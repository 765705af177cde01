/**
 * The scoring thread's entry (see scoring-thread.ts): loads the model through the loader module,
 * says hello with the model's info (or the load error), then micro-batches the answers it is
 * sent and sends back each batch's scores.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { RewardScore } from "../core/types.js";
import { createMicroBatcher } from "./micro-batcher.js";
import {
  type LoadServedModel,
  type ThreadItem,
  type ToWorker,
  toThreadError,
  type WorkerData,
  type WorkerHello,
  type WorkerReply,
} from "./scoring-thread.js";

const port = parentPort;
if (!port) throw new Error("scoring-worker.ts runs only as a worker thread");
const { loader, args, batching } = workerData as WorkerData;

try {
  const { loadServedModel } = (await import(loader)) as { loadServedModel: LoadServedModel<unknown> };
  const { model, info } = await loadServedModel(args);
  const batcher = createMicroBatcher<ThreadItem, RewardScore>({
    ...batching,
    // The characters to embed: what a batch's time grows with (the prompt, one text per request, is left out).
    cost: (item) => item.request.response.length,
    // Each batch answers for itself, in one message for all its answers.
    run: async (items) => {
      const ids = items.map((item) => item.id);
      try {
        const results = await model.score(items.map((item) => item.request));
        port.postMessage({ ids, results } satisfies WorkerReply);
        return results;
      } catch (error) {
        port.postMessage({ ids, error: toThreadError(error) } satisfies WorkerReply);
        throw error;
      }
    },
  });
  port.on("message", (message: ToWorker) => {
    if ("cancel" in message) {
      for (const key of message.cancel) {
        const dropped = batcher.cancel(key);
        if (dropped.length > 0) port.postMessage({ ids: dropped.map((item) => item.id), cancelled: true } satisfies WorkerReply);
      }
      return;
    }
    // Each request its own submission, so that batches take from all of them in turn. The outcome
    // goes back with its batch; the promise is only left to settle.
    for (const { key, items } of message.submit) void batcher.submit(items, { key }).catch(() => {});
  });
  port.postMessage({ info } satisfies WorkerHello);
} catch (error) {
  port.postMessage({ error: toThreadError(error) } satisfies WorkerHello);
}
