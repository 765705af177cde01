/**
 * The hybrid's refits in a worker thread (hybrid-refit-worker.ts): the criterion head per seen
 * criterion and the calibration on top, fitted from the judge verdicts seen while serving. One
 * refit at a time; the caller swaps the result in as one value when it arrives, so requests
 * never wait on a refit and never see half of one.
 */
import type { Worker } from "node:worker_threads";
import { fromThreadError, siblingModule, spawnWorker, type ThreadError } from "../core/worker-thread.js";
import type { CriterionHeads, HeadRow } from "./criterion-refit.js";
import type { CalibrationParams, Observation } from "./hybrid-calibration.js";

export interface RefitJob {
  id: number;
  observations: Observation[];
  start: CalibrationParams;
  steps: number;
  /** The criterion head's rows (none without a model), and its ridge toward the head as trained. */
  headRows: HeadRow[];
  headRidge: number;
}

export type RefitReply =
  | { id: number; params: CalibrationParams; heads: [string, [number, number]][] }
  | { id: number; error: ThreadError };

export interface RefitResult {
  params: CalibrationParams;
  heads: CriterionHeads;
}

export interface RefitThread {
  refit(job: Omit<RefitJob, "id">): Promise<RefitResult>;
  close(): Promise<void>;
}

export function createRefitThread(): RefitThread {
  let worker: Worker | undefined;
  let next = 0;
  const waiting = new Map<number, { resolve: (r: RefitResult) => void; reject: (e: Error) => void }>();
  /** Started at the first refit, so a server that never refits never starts it. */
  const started = () => {
    if (worker) return worker;
    const w = spawnWorker(siblingModule("hybrid-refit-worker", import.meta.url), {});
    // An idle refit thread must not keep the process alive.
    w.unref();
    w.on("message", (reply: RefitReply) => {
      const entry = waiting.get(reply.id);
      waiting.delete(reply.id);
      if ("error" in reply) entry?.reject(fromThreadError(reply.error));
      else entry?.resolve({ params: reply.params, heads: new Map(reply.heads) });
    });
    w.on("error", (error) => {
      for (const entry of waiting.values()) entry.reject(error);
      waiting.clear();
      worker = undefined;
    });
    worker = w;
    return w;
  };
  return {
    refit(job) {
      const id = ++next;
      return new Promise<RefitResult>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        started().postMessage({ ...job, id } satisfies RefitJob);
      });
    },
    async close() {
      await worker?.terminate();
      worker = undefined;
    },
  };
}
