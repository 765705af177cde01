/**
 * An embedding thread of the encoder pool (encoder-pool.ts): builds the in-process encoder it is
 * named, then embeds each job it is sent and sends the vectors back packed in one transferred buffer.
 */
import { parentPort, workerData } from "node:worker_threads";
import { toThreadError } from "../core/worker-thread.js";
import type { EmbeddingJob, EmbeddingReply, EmbeddingWorkerData } from "./encoder-pool.js";
import { pack } from "./encoder-pool.js";
import { createInProcessEncoder } from "./encoder-spec.js";

const port = parentPort;
if (!port) throw new Error("embedding-worker.ts runs only as a worker thread");
const { spec } = workerData as EmbeddingWorkerData;
// Built once; a failure (a model that cannot load) fails each job with its message.
const encoder = createInProcessEncoder(spec, { pooled: true });
encoder.catch(() => {});

// One job at a time: the pool sends the next only after this one's reply.
port.on("message", async ({ id, texts }: EmbeddingJob) => {
  try {
    const built = await encoder;
    const packed = pack(await built.embed(texts), built.dim);
    port.postMessage({ id, packed } satisfies EmbeddingReply, [packed.buffer]);
  } catch (error) {
    port.postMessage({ id, error: toThreadError(error) } satisfies EmbeddingReply);
  }
});
