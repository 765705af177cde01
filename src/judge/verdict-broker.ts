/**
 * Judge verdicts on demand, for a long-running service (the reward server) rather than a batch
 * run: each verdict comes from the store's verdict cache (the one `grade` fills and reads, same
 * keys), or from one judge call shared by everyone who wants it at the moment. Calls in flight
 * are bounded across all callers; a verdict nobody waits for any more (its request timed out or
 * its client hung up) is dropped before its call starts. Other processes on the store (workers,
 * `grade` runs) share the work through the store's leases, as grade runs do with each other.
 * A judge failure is returned as a failure, never as "not met", and never cached.
 */
import { setTimeout as sleep } from "node:timers/promises";
import pLimit from "p-limit";
import { describeError } from "../core/errors.js";
import type { ChatMessage, Judge, JudgeOutcome, RubricItem } from "../core/types.js";
import { leaseOwner, type Store } from "../store/store.js";
import { DEFAULT_LEASE_MS, verdictCacheKey } from "./grade-run.js";

/** A verdict and where it came from, or a judge failure. */
export type BrokeredVerdict =
  | { ok: true; criteria_met: boolean; explanation: string; source: "judge" | "cache" }
  | { ok: false; failure: string; unanswered?: boolean };

export interface VerdictQuestion {
  /** The whole conversation, the graded answer last. */
  conversation: readonly ChatMessage[];
  /** hash([prompt, completion]) as grade computes it, so verdicts are shared with grade runs. */
  conversationHash: string;
  /** Names the answer and its rubric in the run's records. */
  exampleKey: string;
  itemIndex: number;
  item: Pick<RubricItem, "points" | "criterion">;
}

/** One caller's interest in a verdict: `withdraw` says it no longer waits (the call is skipped if nobody else does). */
export interface VerdictTicket {
  verdict: Promise<BrokeredVerdict>;
  withdraw(): void;
}

export interface VerdictBrokerOptions {
  judge: Judge;
  store: Store;
  /** The run the verdicts are recorded under (Store.startRun). */
  runId: string;
  /** Judge calls in flight at most, over all callers. */
  concurrency: number;
  leaseMs?: number;
  /** Each finished judge call, for metrics. */
  onCall?(call: { ok: boolean; seconds: number }): void;
}

export interface VerdictBroker {
  ask(question: VerdictQuestion): VerdictTicket;
  /** Judge calls running now. */
  running(): number;
  /** Starts no further call and resolves once the running ones are saved, or after `ms` (true if they all were). */
  close(ms: number): Promise<boolean>;
}

/** How often a verdict another process is asking is looked at again. */
const BUSY_POLL_MS = 200;

interface Shared {
  waiters: number;
  verdict: Promise<BrokeredVerdict>;
}

export function createVerdictBroker(options: VerdictBrokerOptions): VerdictBroker {
  const { judge, store, runId } = options;
  const lease = { owner: leaseOwner(), ms: options.leaseMs ?? DEFAULT_LEASE_MS };
  const limit = pLimit(options.concurrency);
  const model = { judgeModel: judge.model, promptVersion: judge.promptVersion };
  const shared = new Map<string, Shared>();
  let running = 0;
  let closed = false;
  const idle: (() => void)[] = [];
  const heartbeat = setInterval(() => store.renewLeases(lease.owner, lease.ms), lease.ms / 3);
  heartbeat.unref();

  const withdrawn: BrokeredVerdict = { ok: false, failure: "nobody waits for this verdict any more" };

  /** One attempt inside the concurrency limit: the cached verdict, a judge call, or "busy" (another process asks). */
  const attempt = async (key: string, entry: Shared, question: VerdictQuestion): Promise<BrokeredVerdict | "busy"> => {
    if (entry.waiters === 0 || closed) return withdrawn;
    const claim = store.claimVerdict(key, lease.owner, lease.ms);
    if (claim.state === "busy") return "busy";
    if (claim.state === "cached") return { ok: true, ...claim.verdict, source: "cache" };
    const record = { runId, exampleKey: question.exampleKey, itemIndex: question.itemIndex, cacheKey: key };
    running++;
    const started = performance.now();
    try {
      // A refused API key is thrown, not returned: still this verdict's failure, and the lease must go.
      const outcome = await judge
        .grade({ conversation: question.conversation, item: question.item })
        .catch((error: unknown): JudgeOutcome => ({ ok: false, failure: describeError(error), unanswered: true }));
      options.onCall?.({ ok: outcome.ok, seconds: (performance.now() - started) / 1000 });
      if (!outcome.ok) {
        store.saveFailure(record, outcome.failure, lease.owner);
        return { ok: false, failure: outcome.failure, unanswered: outcome.unanswered };
      }
      store.saveVerdict(record, outcome.verdict, model, outcome);
      return { ok: true, ...outcome.verdict, source: "judge" };
    } finally {
      if (--running === 0) for (const done of idle.splice(0)) done();
    }
  };

  const fetchVerdict = async (key: string, entry: Shared, question: VerdictQuestion): Promise<BrokeredVerdict> => {
    try {
      for (;;) {
        const got = await limit(() => attempt(key, entry, question));
        if (got !== "busy") return got;
        // Waits outside the limit, holding no slot, then queues again behind the others.
        await sleep(Math.min(BUSY_POLL_MS, lease.ms));
      }
    } catch (error) {
      // A store or prompt error: still a failure of this verdict, never "not met".
      return { ok: false, failure: `internal error: ${(error as Error).message}` };
    } finally {
      shared.delete(key);
    }
  };

  return {
    ask(question) {
      const key = verdictCacheKey(judge, question.conversationHash, question.item);
      let entry = shared.get(key);
      if (!entry) {
        // The common case of a repeated answer: read without a write lock or a queue slot.
        const cached = store.cachedVerdict(key);
        if (cached) return { verdict: Promise.resolve({ ok: true, ...cached, source: "cache" }), withdraw() {} };
        const created: Shared = { waiters: 0, verdict: Promise.resolve(withdrawn) };
        created.verdict = fetchVerdict(key, created, question);
        shared.set(key, created);
        entry = created;
      }
      const joined = entry;
      joined.waiters++;
      let withdrawnOnce = false;
      return {
        verdict: joined.verdict,
        withdraw() {
          if (withdrawnOnce) return;
          withdrawnOnce = true;
          joined.waiters--;
        },
      };
    },
    running: () => running,
    async close(ms) {
      closed = true;
      clearInterval(heartbeat);
      const settled =
        running === 0 ||
        (await Promise.race([new Promise<true>((resolve) => idle.push(() => resolve(true))), sleep(ms, false, { ref: false })]));
      store.releaseLeases(lease.owner);
      return settled;
    },
  };
}
