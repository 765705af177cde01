/**
 * Judge verdicts on demand, for a long-running service (the reward server) rather than a batch
 * run: each verdict comes from the store's verdict cache (the one `grade` fills and reads, same
 * keys), or from one judge call shared by everyone who wants it at the moment. Calls in flight
 * are bounded across all callers; a verdict nobody waits for any more (its request timed out or
 * its client hung up) is dropped before its call starts, and its call is aborted if running, which
 * frees its slot at once. Other processes on the store (workers,
 * `grade` runs) share the work through the store's leases, as grade runs do with each other.
 * A judge failure is returned as a failure, never as "not met", and never cached.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describeError } from "../core/errors.js";
import { inTurns } from "../core/in-turns.js";
import type { Judge } from "../core/types.js";
import type { VerdictStore } from "../store/store.js";
import { abortableLimit, type WaitHandle } from "./abortable-limit.js";
import { type AnswerToGrade, type VerdictKeys, verdictKeys } from "./verdict-key.js";
import { holdVerdictLeases, type JudgeCall } from "./verdict-leases.js";

/** A verdict and where it came from, or a judge failure. */
export type BrokeredVerdict =
  | { ok: true; criteria_met: boolean; explanation: string; source: "judge" | "cache" }
  | { ok: false; failure: string; unanswered?: boolean };

export interface VerdictQuestion {
  /** The answer graded, with its rubric (the run's records name it), as grade keys it. */
  answer: AnswerToGrade;
  itemIndex: number;
}

/** Why a caller stopped waiting: its deadline passed, or its client went away. */
export type WithdrawReason = "deadline" | "abandoned";

/**
 * One caller's interest in a verdict: `withdraw` says it no longer waits; when nobody else does,
 * the call is skipped if not started and aborted if running.
 */
export interface VerdictTicket {
  verdict: Promise<BrokeredVerdict>;
  withdraw(reason: WithdrawReason): void;
}

export interface VerdictBrokerOptions {
  judge: Judge;
  store: VerdictStore;
  /** The run the verdicts are recorded under (RunLog.startRun). */
  runId: string;
  /** Judge calls in flight at most, over all callers. */
  concurrency: number;
  leaseMs?: number;
  /** Each finished judge call, for metrics and health; an aborted call says why it was. */
  onCall?(call: JudgeCall & { abortedFor?: AbortReason }): void;
}

/** Why a running call was aborted: its last waiter withdrew, or the broker closed. */
export type AbortReason = WithdrawReason | "shutdown";

export interface VerdictBroker {
  /** Asks for the verdicts of several criteria (of one or more answers) at once: one cache look-up for them all. */
  ask(questions: readonly VerdictQuestion[]): Promise<VerdictTicket[]>;
  /**
   * Starts no further call and resolves once the running ones are saved, or after `ms` aborts
   * those still running; every verdict judged is written before it resolves, with the number of calls aborted.
   */
  close(ms: number): Promise<number>;
}

interface Shared extends WaitHandle {
  waiters: number;
  verdict: Promise<BrokeredVerdict>;
  /** Aborts the call when the last waiter withdraws, or at close. */
  abort: AbortController;
  abortedFor?: AbortReason;
}

/** Made once: tens of thousands of calls may be aborted at once, and an Error's stack trace is not free. */
const ABORT_REASONS: Record<AbortReason, Error> = {
  deadline: new Error("the request's deadline passed"),
  abandoned: new Error("the client went away"),
  shutdown: new Error("the server is shutting down"),
};

const criterionOf = (question: VerdictQuestion) => question.answer.rubrics[question.itemIndex] as AnswerToGrade["rubrics"][number];

const withdrawn: BrokeredVerdict = { ok: false, failure: "nobody waits for this verdict any more" };

export function createVerdictBroker(options: VerdictBrokerOptions): VerdictBroker {
  const { judge, store, runId } = options;
  const leases = holdVerdictLeases({ store, judge, leaseMs: options.leaseMs });
  const limit = abortableLimit(options.concurrency);
  const shared = new Map<string, Shared>();
  let running = 0;
  let closed = false;
  const idle: (() => void)[] = [];

  /** Counts the judge calls in flight (for close), around one attempt inside the limit; an aborted waiter leaves the queue. */
  const slot = <T>(attempt: () => Promise<T>, handle: WaitHandle): Promise<T> =>
    limit.run(async () => {
      running++;
      try {
        return await attempt();
      } finally {
        if (--running === 0) for (const done of idle.splice(0)) done();
      }
    }, handle);

  const fetchVerdict = async (question: VerdictQuestion, keys: VerdictKeys, key: string, entry: Shared): Promise<BrokeredVerdict> => {
    const item = criterionOf(question);
    try {
      const outcome = await leases.obtain(
        {
          record: { runId, exampleKey: keys.answerKey(), itemIndex: question.itemIndex, cacheKey: key },
          subject: () => keys.subject(item),
          conversation: keys.conversation,
          item,
        },
        {
          slot: (attempt) => slot(attempt, entry),
          shouldAsk: () => entry.waiters > 0 && !closed,
          onCall: (call) => options.onCall?.({ ...call, abortedFor: call.aborted ? entry.abortedFor : undefined }),
          signal: entry.abort.signal,
        },
      );
      switch (outcome.kind) {
        case "skipped":
          return withdrawn;
        case "failed":
          return { ok: false, failure: outcome.failure, unanswered: outcome.unanswered };
        default:
          return { ok: true, ...outcome.verdict, source: outcome.kind === "judged" ? "judge" : "cache" };
      }
    } catch (error) {
      // A refused API key or a store error: still a failure of this verdict, never "not met".
      return { ok: false, failure: describeError(error), unanswered: true };
    } finally {
      if (shared.get(key) === entry) shared.delete(key);
    }
  };

  const abort = (entry: Shared, reason: AbortReason) => {
    entry.abortedFor ??= reason;
    // Waiting for a slot: it leaves the queue; running: its call is aborted.
    entry.leave?.();
    entry.abort.abort(ABORT_REASONS[reason]);
  };

  const join = (key: string, entry: Shared): VerdictTicket => {
    entry.waiters++;
    let withdrawnOnce = false;
    return {
      verdict: entry.verdict,
      withdraw(reason) {
        if (withdrawnOnce) return;
        withdrawnOnce = true;
        if (--entry.waiters > 0) return;
        // Nobody waits: a later asker starts afresh rather than joining a call being aborted.
        if (shared.get(key) === entry) shared.delete(key);
        abort(entry, reason);
      },
    };
  };

  /** One chunk of questions: hashed (once per answer, however many of its criteria are asked) and looked up in one read. */
  const askChunk = async (questions: readonly VerdictQuestion[], keysOf: Map<AnswerToGrade, VerdictKeys>): Promise<VerdictTicket[]> => {
    const asked = questions.map((question) => {
      const keys = keysOf.get(question.answer) ?? verdictKeys(judge, question.answer);
      keysOf.set(question.answer, keys);
      return { question, keys, key: keys.cacheKey(criterionOf(question)) };
    });
    // The common case of a repeated answer: one read for them all, without a lease, a write or a queue slot.
    const unshared = [...new Set(asked.map(({ key }) => key).filter((key) => !shared.has(key)))];
    const found = await store.cachedVerdicts(unshared);
    const cached = new Map(unshared.flatMap((key, i) => (found[i] ? [[key, found[i]] as const] : [])));
    return asked.map(({ question, keys, key }) => {
      const hit = cached.get(key);
      if (hit) return { verdict: Promise.resolve({ ok: true, ...hit, source: "cache" }), withdraw() {} };
      const entry = shared.get(key);
      if (entry) return join(key, entry);
      const created: Shared = { waiters: 0, verdict: Promise.resolve(withdrawn), abort: new AbortController() };
      shared.set(key, created);
      // Joined before the fetch starts: a free slot runs its first attempt at once, which asks whether anyone waits.
      const ticket = join(key, created);
      created.verdict = fetchVerdict(question, keys, key, created);
      return { ...ticket, verdict: created.verdict };
    });
  };

  return {
    async ask(questions) {
      const keysOf = new Map<AnswerToGrade, VerdictKeys>();
      const tickets: VerdictTicket[] = [];
      // In turns of the event loop: a synchronous store would otherwise answer every chunk in one turn.
      await inTurns(questions, async (chunk) => tickets.push(...(await askChunk(chunk, keysOf))));
      return tickets;
    },
    async close(ms) {
      closed = true;
      const settled =
        running === 0 ||
        (await Promise.race([new Promise<true>((resolve) => idle.push(() => resolve(true))), sleep(ms, false, { ref: false })]));
      // Out of time: the calls still running are aborted (recorded as failures, their leases freed).
      const cut = settled ? 0 : running;
      if (!settled) {
        const stopping = [...shared.values()];
        for (const entry of stopping) abort(entry, "shutdown");
        await Promise.allSettled(stopping.map((entry) => entry.verdict));
      }
      await leases.close();
      return cut;
    },
  };
}
