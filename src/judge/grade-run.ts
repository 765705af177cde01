/**
 * Grades responses against their examples' rubrics: every rubric item is looked up in the
 * verdict cache first and sent to the judge only when missing; each new verdict is committed
 * to the store as soon as it arrives. Judge failures are recorded (not cached) and stop the
 * run early only when the judge looks unreachable; `unanswered` counts the failures where it
 * gave no answer at all, so a caller can tell an outage from a graded run. Runs sharing the
 * store share the work: an item another run is asking is waited for, not asked again.
 */
import { setTimeout as sleep } from "node:timers/promises";
import pLimit from "p-limit";
import { hashJson } from "../core/hash.js";
import type { ChatMessage, Judge, Verdict } from "../core/types.js";
import { exampleKey } from "../healthbench/load.js";
import type { GradedExample, HealthBenchExample } from "../healthbench/schema.js";
import { leaseOwner, type Store } from "../store/store.js";
import { ClaimAhead } from "./claim-ahead.js";
import { FailureStreak } from "./failure-streak.js";

export interface GradeTask {
  example: HealthBenchExample;
  completion: ChatMessage[];
}

export interface GradeRunOptions {
  judge: Judge;
  store: Store;
  runId: string;
  concurrency: number;
  onProgress?: (done: number, total: number) => void;
  /** Give up when this many judge calls in a row failed (the judge is down); default 50. */
  maxConsecutiveFailures?: number;
  /** How long a verdict this run is asking stays reserved for it without renewal (a killed run's reservations lapse); default 30 s. */
  leaseMs?: number;
}

export const DEFAULT_LEASE_MS = 30_000;
/** How often an item another run is asking is looked at again. */
const BUSY_POLL_MS = 200;

export interface GradeStats {
  items: number;
  cached: number;
  judged: number;
  failures: number;
  /** Failures where the judge gave no answer at all (a subset of `failures`). */
  unanswered: number;
}

/**
 * hash(judge and its settings, prompt version, conversation, response, `[points] criterion`).
 * The conversation and response enter through their own hash, computed once per task.
 */
export function verdictCacheKey(judge: Judge, conversationHash: string, item: { points: number; criterion: string }): string {
  return hashJson([judge.id, judge.promptVersion, conversationHash, item.points, item.criterion]);
}

/** A task's hashes and conversation, each computed once and only when first needed. */
function taskKeys(task: GradeTask, judge: Judge) {
  const conversationHash = once(() => hashJson([task.example.prompt, task.completion]));
  return {
    exampleKey: once(() => hashJson([exampleKey(task.example), task.completion])),
    cacheKey: (item: { points: number; criterion: string }) => verdictCacheKey(judge, conversationHash(), item),
    conversation: once(() => [...task.example.prompt, ...task.completion]),
  };
}

function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
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
  const model = { judgeModel: judge.model, promptVersion: judge.promptVersion };
  let done = 0;

  const lease = { owner: leaseOwner(), ms: options.leaseMs ?? DEFAULT_LEASE_MS };
  const items = tasks.flatMap((task, t) => {
    const keys = taskKeys(task, judge);
    return task.example.rubrics.map((item, i) => ({ task: keys, t, i, item }));
  });
  // Memoised: claiming ahead needs an item's key before its job runs.
  const cacheKeys: string[] = [];
  const cacheKeyOf = (n: number): string => {
    const { task, item } = items[n] as (typeof items)[number];
    cacheKeys[n] ??= task.cacheKey(item);
    return cacheKeys[n];
  };
  const claims = new ClaimAhead(store, lease, cacheKeyOf, items.length);

  // Hashing and cache lookups run inside the jobs, so the first judge calls start at once on a big run.
  const jobs = items.map(({ task, t, i, item }, n) => {
    const slots = verdicts[t] as Verdict[];
    return async (): Promise<"done" | "busy"> => {
      // The judge is down: the rest stays unasked (the streak's error ends the run).
      if (streak.tripped) return "done";
      const record = { runId, exampleKey: task.exampleKey(), itemIndex: i, cacheKey: cacheKeyOf(n) };
      const claim = claims.claim(n);
      if (claim.state === "busy") return "busy";
      if (claim.state === "cached") {
        slots[i] = claim.verdict;
        store.linkVerdict(record);
        stats.cached++;
      } else {
        const outcome = await judge.grade({ conversation: task.conversation(), item });
        if (outcome.ok) {
          store.saveVerdict(record, outcome.verdict, model, outcome);
          slots[i] = outcome.verdict;
          stats.judged++;
          streak.success();
        } else {
          store.saveFailure(record, outcome.failure, lease.owner);
          slots[i] = { criteria_met: null, explanation: "", failure: outcome.failure };
          stats.failures++;
          if (outcome.unanswered) stats.unanswered++;
          streak.failure(outcome.failure);
        }
      }
      options.onProgress?.(++done, stats.items);
      return "done";
    };
  });
  // Leases live while this process does: renewed well before they expire, released at the end.
  const heartbeat = setInterval(() => store.renewLeases(lease.owner, lease.ms), lease.ms / 3).unref();
  try {
    // An item another run is asking waits outside the limit and queues again behind the others, holding no slot.
    await Promise.all(
      jobs.map(async (job) => {
        while ((await limit(job)) === "busy") await sleep(Math.min(BUSY_POLL_MS, lease.ms));
      }),
    );
  } finally {
    clearInterval(heartbeat);
    store.releaseLeases(lease.owner);
  }
  if (streak.tripped) throw streak.error("the judge");
  return { rows: tasks.map((task, t) => ({ ...task.example, completion: task.completion, verdicts: verdicts[t] as Verdict[] })), stats };
}
