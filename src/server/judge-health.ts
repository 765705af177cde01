/**
 * Whether the judge is failing, for `/healthz`: after `threshold` judge calls in a row failed
 * (no answer, an error status, an unusable answer, or no answer before the request's deadline),
 * the server is degraded until a call succeeds. A degraded server gets no traffic from a load
 * balancer, so no call could ever show that the judge is back: the state lapses `holdMs` after
 * the last failure, the balancer sends again, and the next call decides.
 */
import type { JudgeCall } from "../judge/verdict-leases.js";

/** Failed calls in a row before /healthz says degraded: one bad criterion is not an outage. */
export const DEGRADED_AFTER_FAILURES = 3;

export interface JudgeHealth {
  /** Records a finished call. */
  record(call: JudgeCall): void;
  /** Why the judge counts as failing now, or undefined when it does not. */
  degraded(): string | undefined;
}

export function createJudgeHealth(options: { holdMs: number; threshold?: number; now?: () => number }): JudgeHealth {
  const threshold = options.threshold ?? DEGRADED_AFTER_FAILURES;
  const now = options.now ?? (() => performance.now());
  let streak = 0;
  let lastFailure = "";
  let lastFailureAt = 0;
  return {
    record(call) {
      if (call.ok) {
        streak = 0;
        return;
      }
      streak++;
      lastFailure = call.failure ?? "failed";
      lastFailureAt = now();
    },
    degraded() {
      if (streak < threshold || now() - lastFailureAt > options.holdMs) return undefined;
      const ago = Math.round(now() - lastFailureAt);
      return `the judge's last ${streak} calls failed, the last ${ago} ms ago: ${lastFailure.slice(0, 300)}`;
    },
  };
}
