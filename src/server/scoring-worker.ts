/**
 * The scoring thread's entry (see scoring-thread.ts): loads the model through the loader module,
 * says hello with the model's info (or the load error), then scores each batch it is sent.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { RewardRequest } from "../core/types.js";
import { type LoadServedModel, toThreadError, type WorkerHello, type WorkerReply } from "./scoring-thread.js";

const port = parentPort;
if (!port) throw new Error("scoring-worker.ts runs only as a worker thread");
const { loader, args } = workerData as { loader: string; args: unknown };

try {
  const { loadServedModel } = (await import(loader)) as { loadServedModel: LoadServedModel<unknown> };
  const { model, info } = await loadServedModel(args);
  port.on("message", ({ id, requests }: { id: number; requests: RewardRequest[] }) => {
    model.score(requests).then(
      (results) => port.postMessage({ id, results } satisfies WorkerReply),
      (error: unknown) => port.postMessage({ id, error: toThreadError(error) } satisfies WorkerReply),
    );
  });
  port.postMessage({ info } satisfies WorkerHello);
} catch (error) {
  port.postMessage({ error: toThreadError(error) } satisfies WorkerHello);
}
