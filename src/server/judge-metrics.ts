/**
 * Prometheus metrics of a judge-backed reward server, in the server's own registry: verdicts by
 * where they came from, and what the judge cost (its HTTP requests, retries included, and tokens).
 */
import { Counter, Histogram, type Registry } from "prom-client";

export function createJudgeMetrics(registry: Registry) {
  return {
    calls: new Counter({
      name: "medrubric_judge_calls_total",
      help: "Judge calls made (a verdict not in the cache), by outcome",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    cacheHits: new Counter({
      name: "medrubric_verdict_cache_hits_total",
      help: "Criteria answered from the verdict cache, no judge call",
      registers: [registry],
    }),
    triaged: new Counter({
      name: "medrubric_triaged_criteria_total",
      help: "Criteria answered by the reward model under --triage, no judge call",
      registers: [registry],
    }),
    failures: new Counter({
      name: "medrubric_judge_failures_total",
      help: "Criteria left out of a reward: the judge failed, or they were not judged within --request-timeout-ms",
      labelNames: ["reason"],
      registers: [registry],
    }),
    requests: new Counter({
      name: "medrubric_judge_requests_total",
      help: "HTTP requests to the judge, retries included, by outcome and status (none: no response)",
      labelNames: ["outcome", "status"],
      registers: [registry],
    }),
    tokens: new Counter({
      name: "medrubric_judge_tokens_total",
      help: "Tokens the judge's answers used, by kind (prompt, completion)",
      labelNames: ["kind"],
      registers: [registry],
    }),
    latency: new Histogram({
      name: "medrubric_judge_call_duration_seconds",
      help: "Judge call latency, retries included",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
  };
}
export type JudgeMetrics = ReturnType<typeof createJudgeMetrics>;
