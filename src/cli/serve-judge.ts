/**
 * The judge side of `medrubric serve` (`--judge-url`): grade's judge, endpoint pool and verdict
 * cache, behind the rubric scorer the routes take, alone or in front of the reward model
 * (`--model`, and `--triage` for the static hybrid; `--error-budget` for the learning one,
 * serve-hybrid.ts). The verdicts are recorded under a run of kind "serve" in the store, which
 * `grade` runs share; stopping waits for the judge calls still running, so what was paid for is
 * saved, and aborts those still running when the drain time is over. What the judge costs (HTTP
 * requests, retries included, and tokens) goes to /metrics, each failed request to stderr (one
 * line a second at most), and a failing judge to /healthz.
 */
import { hashJson } from "../core/hash.js";
import type { RewardRequest, RewardScore } from "../core/types.js";
import { createVerdictBroker } from "../judge/verdict-broker.js";
import type { AttemptReport } from "../llm/openai-client.js";
import type { HYBRID_DEFAULTS } from "../server/hybrid-defaults.js";
import { createJudgeHealth } from "../server/judge-health.js";
import { createJudgeMetrics, type JudgeMetrics } from "../server/judge-metrics.js";
import type { Scorer } from "../server/micro-batcher.js";
import { createRateLimitedLog } from "../server/rate-limited-log.js";
import { createRubricScorer } from "../server/rubric-scorer.js";
import type { createServerMetrics } from "../server/server-metrics.js";
import type { UnjudgedPolicy } from "../server/unjudged-criteria.js";
import { openStore } from "../store/open-store.js";
import { createJudgeFromFlags, type GradingFlags } from "./grading-session.js";
import { openHybrid } from "./serve-hybrid.js";

export interface JudgeServeFlags extends Record<string, unknown>, Pick<GradingFlags, "maxParseRetries" | "graderPrompt" | "leaseMs"> {
  judgeStyle?: GradingFlags["judgeStyle"];
  store?: string;
  judgeConcurrency: number;
  triage?: number;
  maxQueue: number;
  maxJudgeWork: number;
  onUnjudged: UnjudgedPolicy;
  requestTimeoutMs: number;
  errorBudget?: number;
  /** The hybrid's flags (serve.ts); HYBRID_FLAG_DEFAULTS where not given. */
  auditRate?: number;
  refitEvery?: number;
  refitSeconds?: number;
  memoryMinVerdicts?: number;
  memoryLimit?: number;
  memoryVectors?: number;
  refitMaxVerdicts?: number;
  /** False for a model whose P(met) never saw a grader's verdicts: the learning hybrid then ignores it (memory alone). */
  modelOnVerdicts?: boolean;
  /** The hybrid's other settings, for bench/hybrid.bench.ts's cross-validation; HYBRID_DEFAULTS where not given. */
  hybridSettings?: Partial<typeof HYBRID_DEFAULTS & { seed: number }>;
}

/** One line per failed judge request (rate-limited), with its status and the start of its body, and the request counted. */
function observeJudge(metrics: JudgeMetrics, write: (line: string) => void) {
  const log = createRateLimitedLog(write, { intervalMs: 1000 });
  return {
    attempt({ ok, status, failure, aborted }: AttemptReport) {
      metrics.requests.inc({ outcome: ok ? "ok" : aborted ? "aborted" : "failed", status: status === null ? "none" : String(status) });
      if (!ok && !aborted)
        log.line(`medrubric serve: judge request failed: ${status === null ? "no response" : `HTTP ${status}`}: ${failure}`);
    },
    tokens(promptTokens: number, completionTokens: number) {
      metrics.tokens.inc({ kind: "prompt" }, promptTokens);
      metrics.tokens.inc({ kind: "completion" }, completionTokens);
    },
  };
}

/** What `/v1/model` says of the judge. */
export interface JudgeInfo {
  mode: "judge" | "hybrid";
  judge_model: string;
  /** per-criterion (HealthBench-exact) or rubric (one call per answer). */
  judge_style: string;
  prompt_version: string;
  triage: number | null;
  error_budget: number | null;
}

export async function openJudgeScorer(
  flags: JudgeServeFlags,
  metrics: ReturnType<typeof createServerMetrics>,
  model: Scorer<RewardRequest, RewardScore> | undefined,
) {
  const judgeMetrics = createJudgeMetrics(metrics.registry);
  const observer = observeJudge(judgeMetrics, (line) => process.stderr.write(line));
  const { client, judge } = await createJudgeFromFlags(flags, flags.judgeConcurrency, observer);
  const health = createJudgeHealth({ holdMs: flags.requestTimeoutMs });
  const store = await openStore(flags);
  const run = await store.startRun(hashJson(["serve", judge.id, judge.promptVersion]), {
    kind: "serve",
    config: client.settings,
    dataHash: "",
    judgeModel: judge.model,
    promptVersion: judge.promptVersion,
  });
  const broker = createVerdictBroker({
    judge,
    store,
    runId: run.id,
    concurrency: flags.judgeConcurrency,
    leaseMs: flags.leaseMs,
    onCall: (call) => {
      judgeMetrics.calls.inc({ outcome: call.ok ? "ok" : call.aborted ? "aborted" : "failed" });
      judgeMetrics.latency.observe(call.seconds);
      // A call cut because its client left or the server stops says nothing about the judge.
      if (!call.abortedFor || call.abortedFor === "deadline") health.record(call);
    },
  });
  const hybridModel = model === undefined ? "none" : flags.modelOnVerdicts === false ? "uncalibrated" : "calibrated";
  const hybrid = flags.errorBudget === undefined ? undefined : await openHybrid(flags, judge, store, metrics, hybridModel);
  const scorer = createRubricScorer({
    hybrid: hybrid?.judge,
    broker,
    model,
    triage: flags.triage,
    maxQueue: flags.maxQueue,
    maxJudgeWork: flags.maxJudgeWork,
    onUnjudged: flags.onUnjudged,
    deadlineMs: flags.requestTimeoutMs,
    metrics: judgeMetrics,
  });
  const info: JudgeInfo = {
    mode: flags.triage === undefined && !hybrid ? "judge" : "hybrid",
    judge_model: judge.model,
    judge_style: flags.judgeStyle ?? "per-criterion",
    prompt_version: judge.promptVersion,
    triage: flags.triage ?? null,
    error_budget: flags.errorBudget ?? null,
  };
  return {
    scorer,
    info,
    /** Why the judge counts as failing now (for /healthz), or undefined. */
    degraded: health.degraded,
    /** What `GET /v1/hybrid` says, under --error-budget. */
    hybridStatus: hybrid?.judge.status,
    /** Waits up to `ms` for the judge calls still running, then aborts the rest; the number of those cut. */
    async close(ms: number): Promise<number> {
      await hybrid?.close();
      const cut = await broker.close(ms);
      await store.finishRun(run.id, "done", { usage: client.usage() });
      await store.close();
      return cut;
    },
  };
}
