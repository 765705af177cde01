/**
 * The hybrid's refit thread (hybrid-refit.ts): fits the criterion head per seen criterion
 * (criterion-refit.ts) and the calibration (hybrid-calibration.ts) from the verdicts it is sent,
 * and sends both back, so a refit never takes the HTTP thread's time.
 */
import { parentPort } from "node:worker_threads";
import { toThreadError } from "../core/worker-thread.js";
import { fitCriterionHeads } from "./criterion-refit.js";
import { fitCalibration } from "./hybrid-calibration.js";
import type { RefitJob, RefitReply } from "./hybrid-refit.js";

const port = parentPort;
if (!port) throw new Error("hybrid-refit-worker.ts runs only as a worker thread");

port.on("message", async (job: RefitJob) => {
  try {
    const heads = job.headRows.length > 0 ? fitCriterionHeads(job.headRows, job.headRidge) : new Map();
    const params = await fitCalibration(job.observations, job.start, job.steps);
    port.postMessage({ id: job.id, params, heads: [...heads] } satisfies RefitReply);
  } catch (error) {
    port.postMessage({ id: job.id, error: toThreadError(error) } satisfies RefitReply);
  }
});
