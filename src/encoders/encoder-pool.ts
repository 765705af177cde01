/**
 * An in-process encoder on every core: a pool of worker threads, each loading its own copy of the
 * model (and, for USE-lite, its own tfjs WebAssembly backend: a worker has its own module graph),
 * embedding jobs of a few texts each. JavaScript runs one thread per event loop and USE-lite's
 * WebAssembly kernels are single-threaded in Node, so one process embeds on one core; this pool
 * is how `--threads N` uses N.
 *
 * The vectors are the inner encoder's own (each text is embedded by the same code, only in another
 * thread), in the order of the texts. Workers start on first use, one more each time every running
 * one is busy, up to `threads`: a run whose texts all come from the cache starts none. A worker
 * holds the process open only while it has work, so a command ends without closing the pool;
 * `close()` stops the threads at once (tests, servers).
 */
import type { Worker } from "node:worker_threads";
import type { Encoder } from "../core/types.js";
import { fromThreadError, siblingModule, spawnWorker, type ThreadError } from "../core/worker-thread.js";

/** What a worker is told to build: an in-process encoder spec (see createInProcessEncoder). */
export interface EmbeddingWorkerData {
  spec: string;
}
export type EmbeddingJob = { id: number; texts: readonly string[] };
/** A job's vectors packed row after row in one buffer (transferred, not copied), or its error. */
export type EmbeddingReply = { id: number; packed: Float32Array } | { id: number; error: ThreadError };

export interface PooledEncoder extends Encoder {
  readonly threads: number;
  /** Stops every worker; jobs in flight fail. The pool starts workers again if used after. */
  close(): Promise<void>;
}

export interface EncoderPoolOptions {
  /** Most worker threads (>= 1). */
  threads: number;
  /** Texts per job: small enough that the workers share a call evenly, large enough that messages cost nothing. Default 8. */
  jobSize?: number;
}

interface Job {
  id: number;
  texts: readonly string[];
  resolve(vectors: Float32Array[]): void;
  reject(error: Error): void;
}

interface PoolWorker {
  worker: Worker;
  job?: Job;
}

/**
 * `local` is the same encoder built in this thread: its id and dimension name the pool's vectors
 * (it is never asked to embed, so its model is never loaded here). `spec` is what each worker builds.
 */
export function createEncoderPool(local: Encoder, spec: string, { threads, jobSize = 8 }: EncoderPoolOptions): PooledEncoder {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be an integer >= 1, got ${threads}`);
  const workers: PoolWorker[] = [];
  const queue: Job[] = [];
  let nextId = 0;

  const fail = (entry: PoolWorker, error: Error) => {
    const at = workers.indexOf(entry);
    if (at < 0) return;
    workers.splice(at, 1);
    entry.job?.reject(error);
    entry.job = undefined;
    // The jobs waiting would wait for ever if no worker is left to take them; each new job would meet the same fault.
    if (workers.length === 0) for (const job of queue.splice(0)) job.reject(error);
  };

  const start = (): PoolWorker => {
    const worker = spawnWorker(siblingModule("embedding-worker", import.meta.url), { spec } satisfies EmbeddingWorkerData);
    const entry: PoolWorker = { worker };
    worker.on("message", (reply: EmbeddingReply) => {
      const job = entry.job;
      if (!job || job.id !== reply.id) return;
      entry.job = undefined;
      if ("error" in reply) job.reject(fromThreadError(reply.error));
      else if (reply.packed.length !== local.dim * job.texts.length)
        job.reject(
          new Error(`embedding thread (${spec}) sent ${reply.packed.length} numbers for ${job.texts.length} texts of ${local.dim}`),
        );
      else job.resolve(unpack(reply.packed, local.dim, job.texts.length));
      dispatch();
    });
    worker.on("error", (error) => fail(entry, new Error(`embedding thread (${spec}) failed: ${error.message}`)));
    worker.on("exit", (code) => fail(entry, new Error(`embedding thread (${spec}) exited with code ${code}`)));
    workers.push(entry);
    return entry;
  };

  function dispatch(): void {
    while (queue.length > 0) {
      const entry = workers.find((w) => !w.job) ?? (workers.length < threads ? start() : undefined);
      if (!entry) break;
      const job = queue.shift() as Job;
      entry.job = job;
      entry.worker.postMessage({ id: job.id, texts: job.texts } satisfies EmbeddingJob);
    }
    // Only a worker with work keeps the process alive: an idle pool never holds a finished command open.
    for (const { worker, job } of workers) {
      if (job) worker.ref();
      else worker.unref();
    }
  }

  const submit = (texts: readonly string[]) =>
    new Promise<Float32Array[]>((resolve, reject) => {
      queue.push({ id: nextId++, texts, resolve, reject });
    });

  return {
    id: local.id,
    dim: local.dim,
    threads,
    async embed(texts) {
      if (texts.length === 0) return [];
      const jobs: Promise<Float32Array[]>[] = [];
      for (let at = 0; at < texts.length; at += jobSize) jobs.push(submit(texts.slice(at, at + jobSize)));
      dispatch();
      return (await Promise.all(jobs)).flat();
    },
    async close() {
      const stopping = workers.splice(0);
      const error = new Error(`embedding pool (${spec}) closed`);
      for (const job of queue.splice(0)) job.reject(error);
      for (const entry of stopping) entry.job?.reject(error);
      await Promise.all(stopping.map(({ worker }) => worker.terminate()));
    },
  };
}

/** One vector per row of a packed buffer, each its own copy, so no caller's vector shares memory with another's. */
function unpack(packed: Float32Array, dim: number, rows: number): Float32Array[] {
  return Array.from({ length: rows }, (_, row) => packed.slice(row * dim, (row + 1) * dim));
}

/** The packing the worker sends (see embedding-worker.ts). */
export function pack(vectors: readonly Float32Array[], dim: number): Float32Array<ArrayBuffer> {
  const packed = new Float32Array(vectors.length * dim);
  vectors.forEach((vector, row) => {
    packed.set(vector, row * dim);
  });
  return packed;
}
