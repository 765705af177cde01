/**
 * What the learning hybrid tells its operator: the same figures as `GET /v1/hybrid`, as Prometheus
 * gauges read at scrape time, and a progress line (share of criteria decided without the judge,
 * estimated reward error against the budget) for the server's log every minute.
 */
import { Gauge, type Registry } from "prom-client";
import type { HybridStatus } from "./hybrid-judge.js";

const GAUGES: [name: string, help: string, read: (s: HybridStatus) => number][] = [
  ["criteria", "Criteria of answers with a rubric the hybrid has seen", (s) => s.criteria],
  ["judge_calls", "Criteria the hybrid sent to the judge (audits included)", (s) => s.judge_calls],
  ["decided", "Criteria decided without the judge (memory or model), audits excluded", (s) => s.decided_by_model],
  ["audited", "Criteria decided and sent to the judge anyway (audits are of whole answers)", (s) => s.audited],
  ["audited_answers", "Answers whose decided criteria were all sent to the judge anyway", (s) => s.audited_answers],
  ["refitted_criteria", "Criteria whose head has been refitted from their own verdicts", (s) => s.refitted_criteria],
  ["audit_disagreements", "Audited criteria where the judge disagreed", (s) => s.audit_disagreements],
  [
    "threshold",
    "True reward error (the audits' ratio x the predicted) accepted per judge call saved (an answer decides the k criteria maximising k x threshold - ratio x its predicted error)",
    (s) => s.threshold,
  ],
  ["error_budget", "Mean |reward error| per answer accepted (--error-budget)", (s) => s.error_budget],
  ["error_estimate", "Estimated mean |reward error| per answer", (s) => s.error_estimate],
  ["error_interval_low", "Low end of the estimate's 95% interval", (s) => s.error_interval[0]],
  ["error_interval_high", "High end of the estimate's 95% interval", (s) => s.error_interval[1]],
  ["version", "Refits (criterion heads and calibration) so far: the version answering", (s) => s.version],
];

export function registerHybridMetrics(registry: Registry, status: () => HybridStatus): void {
  for (const [name, help, read] of GAUGES)
    new Gauge({
      name: `medrubric_hybrid_${name}`,
      help,
      registers: [registry],
      collect() {
        this.set(read(status()));
      },
    });
}

export function hybridProgressLine(s: HybridStatus): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const [low, high] = s.error_interval.map((x) => x.toFixed(4));
  return (
    `medrubric serve: hybrid (${s.mode}, v${s.version}): ${s.criteria} criteria, ${pct(s.saved_share)} decided without the judge, ` +
    `${s.audited} audited (${s.audit_disagreements} wrong); estimated error ${s.error_estimate.toFixed(4)} [${low}, ${high}] ` +
    `for a budget of ${s.error_budget}; threshold ${s.threshold.toPrecision(3)}\n`
  );
}
