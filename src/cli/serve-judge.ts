/**
 * The judge side of `medrubric serve` (`--judge-url`): grade's judge, endpoint pool and verdict
 * cache, behind the rubric scorer the routes take, alone or in front of the reward model
 * (`--model`, and `--triage` for hybrid). The verdicts are recorded under a run of kind "serve"
 * in the store, which `grade` runs share; stopping waits for the judge calls still running, so
 * what was paid for is saved, and aborts those still running when the drain time is over. What
 * the judge costs (HTTP requests, retries included, and tokens) goes to /metrics, each failed
 * request to stderr (one line a second at most), and a failing judge to /healthz.
 */
import { hashJson } from "../core/hash.js";
import type { RewardRequest, RewardScore } from "../core/types.js";
import { createVerdictBroker } from "../judge/verdict-broker.js";
import type { AttemptReport } from "../llm/openai-client.js";
import { createJudgeHealth } from "../server/judge-health.js";
import { createJudgeMetrics, type JudgeMetrics } from "../server/judge-metrics.js";
import type { Scorer } from "../server/micro-batcher.js";
import { createRateLimitedLog } from "../server/rate-limited-log.js";
import { createRubricScorer } from "../server/rubric-scorer.js";
import type { createServerMetrics } from "../server/server-metrics.js";
import type { UnjudgedPolicy } from "../server/unjudged-criteria.js";
import { openStore } from "../store/open-store.js";
import { createJudgeFromFlags, type GradingFlags } from "./grading-session.js";

export interface JudgeServeFlags extends Record<string, unknown>, Pick<GradingFlags, "maxParseRetries" | "graderPrompt" | "leaseMs"> {
  judgeStyle?: GradingFlags["judgeStyle"];
  store?: string;
  judgeConcurrency: number;
  triage?: number;
  maxQueue: number;
  maxJudgeWork: number;
  onUnjudged: UnjudgedPolicy;
  requestTimeoutMs: number;
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
  const scorer = createRubricScorer({
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
    mode: flags.triage === undefined ? "judge" : "hybrid",
    judge_model: judge.model,
    judge_style: flags.judgeStyle ?? "per-criterion",
    prompt_version: judge.promptVersion,
    triage: flags.triage ?? null,
  };
  return {
    scorer,
    info,
    /** Why the judge counts as failing now (for /healthz), or undefined. */
    degraded: health.degraded,
    /** Waits up to `ms` for the judge calls still running, then aborts the rest; the number of those cut. */
    async close(ms: number): Promise<number> {
      const cut = await broker.close(ms);
      await store.finishRun(run.id, "done", { usage: client.usage() });
      await store.close();
      return cut;
    },
  };
}
