/**
 * Runs the reward model in a worker thread, so the HTTP thread never waits on scoring: while a
 * batch is scored, requests keep being read, validated, queued and answered (429s, /healthz,
 * /metrics included), and the next batch gathers. A model whose encoder runs in process (USE-lite,
 * ONNX) would otherwise block the event loop for the whole batch.
 *
 * The thread loads the model itself from `loader`, a module exporting `loadServedModel(args)`,
 * so nothing but requests and scores crosses between the threads.
 */
import { Worker } from "node:worker_threads";
import { type ErrorKind, MedrubricError } from "../core/errors.js";
import type { RewardModel, RewardRequest, RewardScore } from "../core/types.js";
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

export type WorkerReply = { id: number; results: RewardScore[] } | { id: number; error: ThreadError };
export type WorkerHello = { info: ModelInfo } | { error: ThreadError };

export interface ScoringThread extends ServedModel {
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
  const entry = new URL(`./scoring-worker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url);
  if (entry.pathname.endsWith(".js")) return new Worker(entry, { workerData });
  // Run from the TypeScript sources (tests, benchmarks): tsx's loader does not reach worker threads
  // by itself, so the thread registers it before importing its entry.
  const tsx = import.meta.resolve("tsx/esm/api");
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

export function startScoringThread<A>(loader: URL, args: A): Promise<ScoringThread> {
  const worker = spawnWorker({ loader: loader.href, args });
  const waiting = new Map<number, { resolve(results: RewardScore[]): void; reject(error: Error): void }>();
  let nextId = 0;
  let stopping = false;
  let fail: (error: Error) => void = () => {};
  const failed = new Promise<Error>((resolve) => {
    fail = resolve;
  });
  const die = (error: Error) => {
    for (const w of waiting.values()) w.reject(error);
    waiting.clear();
    fail(error);
  };

  return new Promise((resolve, reject) => {
    worker.once("message", (hello: WorkerHello) => {
      if ("error" in hello) {
        void worker.terminate();
        return reject(fromThreadError(hello.error));
      }
      worker.on("message", (reply: WorkerReply) => {
        const w = waiting.get(reply.id);
        waiting.delete(reply.id);
        if ("error" in reply) w?.reject(fromThreadError(reply.error));
        else w?.resolve(reply.results);
      });
      resolve({
        info: hello.info,
        model: {
          dimensions: hello.info.dimensions,
          score: (requests: readonly RewardRequest[]) =>
            new Promise((resolveScores, rejectScores) => {
              const id = nextId++;
              waiting.set(id, { resolve: resolveScores, reject: rejectScores });
              worker.postMessage({ id, requests });
            }),
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
