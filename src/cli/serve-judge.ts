/**
 * The judge side of `medrubric serve` (`--judge-url`): grade's judge, endpoint pool and verdict
 * cache, behind the rubric scorer the routes take, alone or in front of the reward model
 * (`--model`, and `--triage` for the static hybrid; `--error-budget` for the learning one,
 * serve-hybrid.ts). The verdicts are recorded under a run of kind "serve" in the store, which
 * `grade` runs share; stopping waits for the judge calls still running, so what was paid for is saved.
 */
import { hashJson } from "../core/hash.js";
import type { RewardRequest, RewardScore } from "../core/types.js";
import { createVerdictBroker } from "../judge/verdict-broker.js";
import type { HYBRID_DEFAULTS } from "../server/hybrid-defaults.js";
import { createJudgeMetrics } from "../server/judge-metrics.js";
import type { Scorer } from "../server/micro-batcher.js";
import { createRubricScorer } from "../server/rubric-scorer.js";
import type { createServerMetrics } from "../server/server-metrics.js";
import { openStore } from "../store/open-store.js";
import { createJudgeFromFlags, type GradingFlags } from "./grading-session.js";
import { openHybrid } from "./serve-hybrid.js";

export interface JudgeServeFlags extends Record<string, unknown>, Pick<GradingFlags, "maxParseRetries" | "graderPrompt" | "leaseMs"> {
  store?: string;
  judgeConcurrency: number;
  triage?: number;
  maxQueue: number;
  requestTimeoutMs: number;
  errorBudget?: number;
  /** The hybrid's flags (serve.ts); HYBRID_FLAG_DEFAULTS where not given. */
  auditRate?: number;
  refitEvery?: number;
  refitSeconds?: number;
  memoryMinVerdicts?: number;
  memoryLimit?: number;
  /** The hybrid's other settings, for bench/hybrid.bench.ts's cross-validation; HYBRID_DEFAULTS where not given. */
  hybridSettings?: Partial<typeof HYBRID_DEFAULTS & { seed: number }>;
}

/** What `/v1/model` says of the judge. */
export interface JudgeInfo {
  mode: "judge" | "hybrid";
  judge_model: string;
  prompt_version: string;
  triage: number | null;
  error_budget: number | null;
}

export async function openJudgeScorer(
  flags: JudgeServeFlags,
  metrics: ReturnType<typeof createServerMetrics>,
  model: Scorer<RewardRequest, RewardScore> | undefined,
) {
  const { client, judge } = await createJudgeFromFlags(flags, flags.judgeConcurrency);
  const store = await openStore(flags);
  const run = await store.startRun(hashJson(["serve", judge.id, judge.promptVersion]), {
    kind: "serve",
    config: client.settings,
    dataHash: "",
    judgeModel: judge.model,
    promptVersion: judge.promptVersion,
  });
  const judgeMetrics = createJudgeMetrics(metrics.registry);
  const broker = createVerdictBroker({
    judge,
    store,
    runId: run.id,
    concurrency: flags.judgeConcurrency,
    leaseMs: flags.leaseMs,
    onCall: ({ ok, seconds }) => {
      judgeMetrics.calls.inc({ outcome: ok ? "ok" : "failed" });
      judgeMetrics.latency.observe(seconds);
    },
  });
  const hybrid = flags.errorBudget === undefined ? undefined : await openHybrid(flags, judge, store, metrics, model !== undefined);
  const scorer = createRubricScorer({
    hybrid: hybrid?.judge,
    broker,
    model,
    triage: flags.triage,
    maxQueue: flags.maxQueue,
    deadlineMs: flags.requestTimeoutMs,
    metrics: judgeMetrics,
  });
  const info: JudgeInfo = {
    mode: flags.triage === undefined && !hybrid ? "judge" : "hybrid",
    judge_model: judge.model,
    prompt_version: judge.promptVersion,
    triage: flags.triage ?? null,
    error_budget: flags.errorBudget ?? null,
  };
  return {
    scorer,
    info,
    /** What `GET /v1/hybrid` says, under --error-budget. */
    hybridStatus: hybrid?.judge.status,
    /** Waits up to `ms` for the judge calls still running; the number of those cut. */
    async close(ms: number): Promise<number> {
      hybrid?.close();
      const settled = await broker.close(ms);
      const cut = settled ? 0 : broker.running();
      await store.finishRun(run.id, "done", { usage: client.usage() });
      await store.close();
      return cut;
    },
  };
}
