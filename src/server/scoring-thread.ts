/**
 * Runs the reward model in a worker thread, so the HTTP thread never waits on scoring: while a
 * batch is scored, requests keep being read, validated and answered (429s, /healthz, /metrics
 * included). A model whose encoder runs in process (USE-lite, ONNX) would otherwise block the
 * event loop for the whole batch.
 *
 * The micro-batcher runs in the thread: when a batch is done, the next one starts at once with
 * every answer that came in meanwhile, with no round trip to the HTTP thread in between. Messages
 * carry many answers each: the HTTP thread sends everything it read in one event-loop turn
 * together, and the thread answers a whole batch at once; a message per request and per answer
 * cost the HTTP thread a fifth of its time under load. The HTTP thread counts the answers it has
 * sent and not had back, to refuse (429) what would overflow the queue without asking the thread.
 *
 * The thread loads the model itself from `loader`, a module exporting `loadServedModel(args)`,
 * so nothing but requests and scores crosses between the threads.
 */
import { Worker } from "node:worker_threads";
import { type ErrorKind, MedrubricError } from "../core/errors.js";
import type { RewardModel, RewardRequest, RewardScore } from "../core/types.js";
import { type BatchingOptions, type MicroBatcher, queueFull } from "./micro-batcher.js";
import type { ModelInfo } from "./reward-app.js";

export interface ServedModel {
  model: RewardModel;
  info: ModelInfo;
}

/** What a loader module exports: builds the model inside the scoring thread. */
export type LoadServedModel<A> = (args: A) => Promise<ServedModel>;

/** An error as it crosses the thread boundary; a MedrubricError keeps its kind (400 vs 500, exit code). */
export interface ThreadError {
  message: string;
  kind?: ErrorKind;
}

/** One answer to score, and the id its score comes back under. */
export type ThreadItem = { id: number; request: RewardRequest };
/** One scored batch: the ids of its answers with their scores, or the error that failed it. */
export type WorkerReply = { ids: number[]; results: RewardScore[] } | { ids: number[]; error: ThreadError };
export type WorkerHello = { info: ModelInfo } | { error: ThreadError };
export type WorkerData = { loader: string; args: unknown; batching: Omit<BatchingOptions, "onBatch"> };

export interface ScoringThread {
  info: ModelInfo;
  /** Scores requests in the thread's batches. */
  scorer: MicroBatcher<RewardRequest, RewardScore>;
  /** Settles with the error if the thread dies while serving; the server cannot go on without it. */
  failed: Promise<Error>;
  close(): Promise<void>;
}

export const toThreadError = (error: unknown): ThreadError => ({
  message: error instanceof Error ? error.message : String(error),
  kind: error instanceof MedrubricError ? error.kind : undefined,
});
const fromThreadError = (error: ThreadError): Error =>
  error.kind ? new MedrubricError(error.kind, error.message) : new Error(error.message);

function spawnWorker(workerData: unknown): Worker {
  const fromSources = import.meta.url.endsWith(".ts");
  const entry = new URL(`./scoring-worker.${fromSources ? "ts" : "js"}`, import.meta.url);
  if (!fromSources) return new Worker(entry, { workerData });
  // Run from the TypeScript sources (tests, benchmarks): tsx's loader does not reach worker threads
  // by itself, so the thread registers it before importing its entry.
  const tsx = import.meta.resolve("tsx/esm/api");
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

export function startScoringThread<A>(loader: URL, args: A, batching: BatchingOptions): Promise<ScoringThread> {
  const { onBatch, ...plain } = batching;
  const worker = spawnWorker({
    loader: loader.href,
    args,
    batching: { ...plain, maxQueue: Number.POSITIVE_INFINITY },
  } satisfies WorkerData);
  // Answers sent to the thread and not yet scored, and who waits for that to reach 0.
  const waiting = new Map<number, { resolve(result: RewardScore): void; reject(error: Error): void }>();
  let nextId = 0;
  let outbox: ThreadItem[] = [];
  const idle: (() => void)[] = [];
  let stopping = false;
  let fail: (error: Error) => void = () => {};
  const failed = new Promise<Error>((resolve) => {
    fail = resolve;
  });
  const die = (error: Error) => {
    for (const w of waiting.values()) w.reject(error);
    waiting.clear();
    for (const done of idle.splice(0)) done();
    fail(error);
  };

  return new Promise((resolve, reject) => {
    worker.once("message", (hello: WorkerHello) => {
      if ("error" in hello) {
        void worker.terminate();
        return reject(fromThreadError(hello.error));
      }
      worker.on("message", (reply: WorkerReply) => {
        onBatch?.(reply.ids.length);
        const error = "error" in reply ? fromThreadError(reply.error) : undefined;
        const results = "results" in reply ? reply.results : [];
        reply.ids.forEach((id, i) => {
          const w = waiting.get(id);
          waiting.delete(id);
          if (error) w?.reject(error);
          else w?.resolve(results[i] as RewardScore);
        });
        if (waiting.size === 0) for (const done of idle.splice(0)) done();
      });
      // After this turn's I/O, so that every request read in it goes in one message.
      const send = () => {
        worker.postMessage(outbox);
        outbox = [];
      };
      const score = (request: RewardRequest) =>
        new Promise<RewardScore>((resolveScore, rejectScore) => {
          const id = nextId++;
          waiting.set(id, { resolve: resolveScore, reject: rejectScore });
          if (outbox.push({ id, request }) === 1) setImmediate(send);
        });
      resolve({
        info: hello.info,
        scorer: {
          submit(requests) {
            if (waiting.size + requests.length > batching.maxQueue) return Promise.reject(queueFull(batching, waiting.size));
            return Promise.all(requests.map(score));
          },
          depth: () => waiting.size,
          capacity: () => batching.maxQueue,
          drain: () => (waiting.size === 0 ? Promise.resolve() : new Promise((done) => idle.push(done))),
        },
        failed,
        close: async () => {
          stopping = true;
          await worker.terminate();
        },
      });
    });
    worker.on("error", (error) => {
      reject(error);
      die(new Error(`the scoring thread failed: ${error.message}`));
    });
    worker.on("exit", (code) => {
      if (stopping) return;
      const error = new Error(`the scoring thread exited with code ${code}`);
      reject(error);
      die(error);
    });
  });
}
