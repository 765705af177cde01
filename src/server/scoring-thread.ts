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

import type { RewardModel, RewardRequest, RewardScore } from "../core/types.js";
import { fromThreadError, siblingModule, spawnWorker, type ThreadError } from "../core/worker-thread.js";
import {
  AbandonedError,
  type BatchingOptions,
  DeadlineError,
  queueFull,
  type Scorer,
  type SubmitOptions,
  withDeadline,
} from "./micro-batcher.js";
import type { ModelInfo } from "./reward-app.js";

export interface ServedModel {
  model: RewardModel;
  info: ModelInfo;
}

/** What a loader module exports: builds the model inside the scoring thread. */
export type LoadServedModel<A> = (args: A) => Promise<ServedModel>;

/** One answer to score, and the id its score comes back under. */
export type ThreadItem = { id: number; request: RewardRequest };
/** One request's answers; the key names it for a cancel. */
export type ThreadSubmission = { key: number; items: ThreadItem[] };
/** What the HTTP thread sends: new requests, or the keys of requests past their deadline. */
export type ToWorker = { submit: ThreadSubmission[] } | { cancel: number[] };
/**
 * One scored batch: the ids of its answers with their scores, or the error that failed it; or
 * the ids of a cancelled request's answers the thread dropped unscored. Every id sent comes back once.
 */
export type WorkerReply =
  | { ids: number[]; results: RewardScore[] }
  | { ids: number[]; error: ThreadError }
  | { ids: number[]; cancelled: true };
export { type ThreadError, toThreadError } from "../core/worker-thread.js";
export type WorkerHello = { info: ModelInfo } | { error: ThreadError };
export type WorkerData = { loader: string; args: unknown; batching: Omit<BatchingOptions, "onBatch"> };

export interface ScoringThread {
  info: ModelInfo;
  /** Scores requests in the thread's batches. */
  scorer: Scorer<RewardRequest, RewardScore>;
  /** Settles with the error if the thread dies while serving; the server cannot go on without it. */
  failed: Promise<Error>;
  close(): Promise<void>;
}

export function startScoringThread<A>(loader: URL, args: A, batching: BatchingOptions): Promise<ScoringThread> {
  const { onBatch, deadlineMs = Number.POSITIVE_INFINITY, ...plain } = batching;
  // The deadline is kept here, where the request waits; the thread only drops what it is told to.
  const worker = spawnWorker(siblingModule("scoring-worker", import.meta.url), {
    loader: loader.href,
    args,
    batching: { ...plain, maxQueue: Number.POSITIVE_INFINITY },
  } satisfies WorkerData);
  // Answers waiting for their score, and who waits for none to be left.
  const waiting = new Map<number, { resolve(result: RewardScore): void; reject(error: Error): void }>();
  let nextId = 0;
  let nextKey = 0;
  let outbox: ThreadSubmission[] = [];
  const idle: (() => void)[] = [];
  // Answers sent (or about to be) that the thread has not given back, and when it last finished a batch.
  let unreplied = 0;
  let progressAt = 0;
  let stopping = false;
  let fail: (error: Error) => void = () => {};
  const failed = new Promise<Error>((resolve) => {
    fail = resolve;
  });
  const settleIdle = () => {
    if (waiting.size === 0) for (const done of idle.splice(0)) done();
  };
  const die = (error: Error) => {
    for (const w of waiting.values()) w.reject(error);
    waiting.clear();
    settleIdle();
    fail(error);
  };

  return new Promise((resolve, reject) => {
    worker.once("message", (hello: WorkerHello) => {
      if ("error" in hello) {
        void worker.terminate();
        return reject(fromThreadError(hello.error));
      }
      worker.on("message", (reply: WorkerReply) => {
        unreplied -= reply.ids.length;
        if ("cancelled" in reply) return;
        progressAt = performance.now();
        onBatch?.(reply.ids.length);
        const error = "error" in reply ? fromThreadError(reply.error) : undefined;
        const results = "results" in reply ? reply.results : [];
        reply.ids.forEach((id, i) => {
          const w = waiting.get(id);
          waiting.delete(id);
          if (error) w?.reject(error);
          else w?.resolve(results[i] as RewardScore);
        });
        settleIdle();
      });
      // After this turn's I/O, so that every request read in it goes in one message.
      const send = () => {
        worker.postMessage({ submit: outbox } satisfies ToWorker);
        outbox = [];
      };
      /** Past its deadline or abandoned: its scores are refused with `reason`, and the thread drops what it has not started. */
      const cancel = (submission: ThreadSubmission, reason: Error) => {
        let awaited = false;
        for (const { id } of submission.items) {
          awaited ||= waiting.has(id);
          waiting.get(id)?.reject(reason);
          waiting.delete(id);
        }
        if (!awaited) return;
        settleIdle();
        const unsent = outbox.indexOf(submission);
        if (unsent < 0) return void worker.postMessage({ cancel: [submission.key] } satisfies ToWorker);
        outbox.splice(unsent, 1);
        unreplied -= submission.items.length;
      };
      const submit = (requests: readonly RewardRequest[], { abandoned }: Pick<SubmitOptions, "abandoned"> = {}) => {
        if (unreplied + requests.length > batching.maxQueue) return Promise.reject(queueFull(batching, unreplied));
        const submission: ThreadSubmission = { key: nextKey++, items: [] };
        const scores = requests.map(
          (request) =>
            new Promise<RewardScore>((resolveScore, rejectScore) => {
              const id = nextId++;
              waiting.set(id, { resolve: resolveScore, reject: rejectScore });
              submission.items.push({ id, request });
            }),
        );
        if (unreplied === 0) progressAt = performance.now();
        unreplied += requests.length;
        if (outbox.push(submission) === 1) setImmediate(send);
        void abandoned?.then(() => cancel(submission, new AbandonedError()));
        const all = Promise.all(scores);
        return Number.isFinite(deadlineMs) ? withDeadline(all, deadlineMs, () => cancel(submission, new DeadlineError(deadlineMs))) : all;
      };
      resolve({
        info: hello.info,
        scorer: {
          submit,
          depth: () => unreplied,
          busyMs: () => (unreplied > 0 ? performance.now() - progressAt : 0),
          limits: { maxQueue: batching.maxQueue, deadlineMs },
          drain: () => (waiting.size === 0 ? Promise.resolve() : new Promise((done) => idle.push(done))),
        },
        failed,
        close: async () => {
          stopping = true;
          await worker.terminate();
          // Only answers whose connection was cut at the drain deadline can still wait here.
          for (const w of waiting.values()) w.reject(new Error("the server stopped"));
          waiting.clear();
          settleIdle();
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
