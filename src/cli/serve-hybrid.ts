/**
 * The learning hybrid's wiring for `serve --error-budget E` (server/hybrid-judge.ts): GloVe vectors
 * to compare answers (from the store's folder, as every GloVe user here), the hybrid's metrics on
 * the server's registry, and a progress line every minute on stderr.
 */

import type { Judge } from "../core/types.js";
import { createEncoder } from "../encoders/encoder-spec.js";
import { HYBRID_DEFAULTS, HYBRID_FLAG_DEFAULTS } from "../server/hybrid-defaults.js";
import { createHybridJudge } from "../server/hybrid-judge.js";
import { hybridProgressLine, registerHybridMetrics } from "../server/hybrid-metrics.js";
import type { createServerMetrics } from "../server/server-metrics.js";
import type { Store } from "../store/store.js";
import type { JudgeServeFlags } from "./serve-judge.js";

/** Why the hybrid runs on its memory of the judge's verdicts alone, in the one line it says so. */
const MEMORY_ONLY = {
  none: "without --model: the hybrid decides from the store's verdicts alone (memory only)",
  uncalibrated:
    "with a model trained without a grader's verdicts (like the demo's): its P(met) is no probability, so the hybrid decides from the store's verdicts alone (memory only)",
};

/**
 * The learning hybrid under --error-budget: GloVe to compare answers, its metrics, and a progress
 * line every minute. The model's P(met) enters only when it was calibrated on a grader's verdicts.
 */
export async function openHybrid(
  flags: JudgeServeFlags,
  judge: Judge,
  store: Store,
  metrics: ReturnType<typeof createServerMetrics>,
  model: "none" | "uncalibrated" | "calibrated",
) {
  if (model !== "calibrated") process.stderr.write(`medrubric serve: --error-budget ${MEMORY_ONLY[model]}\n`);
  const withModel = model === "calibrated";
  const encoder = await createEncoder("glove", { store });
  const hybrid = createHybridJudge({
    ...HYBRID_DEFAULTS,
    ...flags.hybridSettings,
    judge,
    store,
    encoder,
    withModel,
    budget: flags.errorBudget as number,
    auditRate: flags.auditRate ?? HYBRID_FLAG_DEFAULTS.auditRate,
    refitEvery: flags.refitEvery ?? HYBRID_FLAG_DEFAULTS.refitEvery,
    refitSeconds: flags.refitSeconds ?? HYBRID_FLAG_DEFAULTS.refitSeconds,
    minVerdicts: flags.memoryMinVerdicts ?? HYBRID_FLAG_DEFAULTS.memoryMinVerdicts,
    memoryLimit: flags.memoryLimit ?? HYBRID_FLAG_DEFAULTS.memoryLimit,
    maxVectors: flags.memoryVectors ?? HYBRID_FLAG_DEFAULTS.memoryVectors,
    maxObservations: flags.refitMaxVerdicts ?? HYBRID_FLAG_DEFAULTS.refitMaxVerdicts,
  });
  registerHybridMetrics(metrics.registry, hybrid.status);
  const progress = setInterval(() => process.stderr.write(hybridProgressLine(hybrid.status())), 60_000);
  progress.unref();
  return {
    judge: hybrid,
    async close() {
      clearInterval(progress);
      await hybrid.close();
    },
  };
}
