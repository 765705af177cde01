/**
 * The scoring thread's entry (see scoring-thread.ts): loads the model through the loader module,
 * says hello with the model's info (or the load error), then micro-batches the requests it is
 * sent and answers each one.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { RewardRequest, RewardScore } from "../core/types.js";
import { createMicroBatcher } from "./micro-batcher.js";
import { type LoadServedModel, toThreadError, type WorkerData, type WorkerHello, type WorkerReply } from "./scoring-thread.js";

const port = parentPort;
if (!port) throw new Error("scoring-worker.ts runs only as a worker thread");
const { loader, args, batching } = workerData as WorkerData;

try {
  const { loadServedModel } = (await import(loader)) as { loadServedModel: LoadServedModel<unknown> };
  const { model, info } = await loadServedModel(args);
  const batcher = createMicroBatcher<RewardRequest, RewardScore>({
    ...batching,
    run: (requests) => model.score(requests),
    onBatch: (batch) => port.postMessage({ batch } satisfies WorkerReply),
  });
  port.on("message", ({ id, requests }: { id: number; requests: RewardRequest[] }) => {
    batcher.submit(requests).then(
      (results) => port.postMessage({ id, results } satisfies WorkerReply),
      (error: unknown) => port.postMessage({ id, error: toThreadError(error) } satisfies WorkerReply),
    );
  });
  port.postMessage({ info } satisfies WorkerHello);
} catch (error) {
  port.postMessage({ error: toThreadError(error) } satisfies WorkerHello);
}
