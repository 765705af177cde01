/**
 * Grades responses against their examples' rubrics: every rubric item is looked up in the
 * verdict cache first and sent to the judge only when missing; each new verdict is committed
 * to the store as soon as it arrives. Judge failures are recorded (not cached) and stop the
 * run early only when the judge looks unreachable; `unanswered` counts the failures where it
 * gave no answer at all, so a caller can tell an outage from a graded run. Runs sharing the
 * store share the work through the verdict-lease protocol (verdict-leases.ts): an item another
 * run is asking is waited for, not asked again.
 */
import pLimit from "p-limit";
import type { ChatMessage, Judge, Verdict } from "../core/types.js";
import type { GradedExample, HealthBenchExample } from "../healthbench/schema.js";
import type { VerdictStore } from "../store/store.js";
import { ClaimAhead } from "./claim-ahead.js";
import { FailureStreak } from "./failure-streak.js";
import { verdictKeys } from "./verdict-key.js";
import { holdVerdictLeases, type VerdictOutcome } from "./verdict-leases.js";

export interface GradeTask {
  example: HealthBenchExample;
  completion: ChatMessage[];
}

export interface GradeRunOptions {
  judge: Judge;
  store: VerdictStore;
  runId: string;
  concurrency: number;
  onProgress?: (done: number, total: number) => void;
  /** Give up when this many judge calls in a row failed (the judge is down); default 50. */
  maxConsecutiveFailures?: number;
  /** How long a verdict this run is asking stays reserved for it without renewal (a killed run's reservations lapse); default 30 s. */
  leaseMs?: number;
}

export interface GradeStats {
  items: number;
  cached: number;
  judged: number;
  failures: number;
  /** Failures where the judge gave no answer at all (a subset of `failures`). */
  unanswered: number;
}

export async function gradeTasks(
  tasks: readonly GradeTask[],
  options: GradeRunOptions,
): Promise<{ rows: GradedExample[]; stats: GradeStats }> {
  const { judge, store, runId } = options;
  const streak = new FailureStreak(options.maxConsecutiveFailures);
  const limit = pLimit(options.concurrency);
  const verdicts: Verdict[][] = tasks.map((task) => new Array<Verdict>(task.example.rubrics.length));
  const stats: GradeStats = { items: verdicts.reduce((n, v) => n + v.length, 0), cached: 0, judged: 0, failures: 0, unanswered: 0 };
  let done = 0;

  const leases = holdVerdictLeases({ store, judge, leaseMs: options.leaseMs });
  const items = tasks.flatMap((task, t) => {
    const keys = verdictKeys(judge, { promptId: task.example.prompt_id, ...task.example, completion: task.completion });
    return task.example.rubrics.map((item, i) => ({ keys, t, i, item }));
  });
  // Memoised: claiming ahead needs an item's key before its job runs.
  const cacheKeys: string[] = [];
  const cacheKeyOf = (n: number): string => {
    const { keys, item } = items[n] as (typeof items)[number];
    cacheKeys[n] ??= keys.cacheKey(item);
    return cacheKeys[n];
  };
  const claims = new ClaimAhead(store, { owner: leases.owner, ms: leases.leaseMs }, cacheKeyOf, items.length);

  const record = (outcome: VerdictOutcome, slots: Verdict[], i: number) => {
    if (outcome.kind === "skipped") return;
    if (outcome.kind === "failed") {
      slots[i] = { criteria_met: null, explanation: "", failure: outcome.failure };
      stats.failures++;
      if (outcome.unanswered) stats.unanswered++;
    } else {
      slots[i] = outcome.verdict;
      if (outcome.kind === "cached") stats.cached++;
      else stats.judged++;
    }
    options.onProgress?.(++done, stats.items);
  };

  try {
    // Hashing and cache lookups run inside the jobs, so the first judge calls start at once on a big run.
    await Promise.all(
      items.map(async ({ keys, t, i, item }, n) => {
        const question = {
          record: { runId, exampleKey: keys.answerKey(), itemIndex: i, cacheKey: cacheKeyOf(n) },
          subject: () => keys.subject(item),
          conversation: keys.conversation,
          item,
        };
        const outcome = await leases.obtain(question, {
          slot: limit,
          claim: () => claims.claim(n),
          // The judge is down: the rest stays unasked (the streak's error ends the run).
          shouldAsk: () => !streak.tripped,
          // Counted as each call ends, not once its verdict is written: calls that fail at once would
          // otherwise all start within a group commit's few ms and overshoot the streak.
          onCall: ({ ok, failure }) => (ok ? streak.success() : streak.failure(failure ?? "")),
          linkCached: true,
        });
        record(outcome, verdicts[t] as Verdict[], i);
      }),
    );
  } finally {
    await leases.close();
  }
  if (streak.tripped) throw streak.error("the judge");
  return { rows: tasks.map((task, t) => ({ ...task.example, completion: task.completion, verdicts: verdicts[t] as Verdict[] })), stats };
}
