/**
 * The verdict-lease protocol, the one way `grade`, the reward server and the hybrid's memory get a
 * verdict from a store several processes and hosts may share: claim it; if it is cached, take it;
 * if another owner holds its lease, wait (outside any concurrency slot) and claim again; if this
 * owner got the lease, ask the judge and save the verdict, or record the failure, which frees
 * the lease. A heartbeat renews the owner's leases while it lives; closing releases them, and a
 * killed owner's leases lapse (or, on its own host, are taken at once).
 *
 * A judge failure is a recorded failure, never a verdict of "not met", and never cached. A call
 * may be aborted (its signal): it then ends at once as an unanswered failure, its lease freed.
 *
 * Writes go through group commits (group-commit.ts): verdicts, failures and claims asked for
 * within a few milliseconds share one store call, so a store commits once per group, not once or
 * twice per verdict. A verdict's lease stays held until its group is written; closing writes what
 * is pending before it releases the leases, so nothing judged is lost.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describeError } from "../core/errors.js";
import type { ChatMessage, Judge, JudgeOutcome, RubricItem } from "../core/types.js";
import { leaseOwner } from "../store/lease-owner.js";
import type { CachedVerdict, NewVerdict, TokenCounts, VerdictClaim, VerdictRecord, VerdictStore, VerdictSubject } from "../store/store.js";
import { type GroupCommitOptions, groupCommit } from "./group-commit.js";

export const DEFAULT_LEASE_MS = 30_000;
/** Claimers resumed per turn of the event loop once their claims are written. */
const CLAIMS_RESUMED_PER_TURN = 16;
/** How often a verdict another owner is asking is looked at again. */
export const BUSY_POLL_MS = 200;

export type VerdictOutcome =
  | { kind: "cached"; verdict: CachedVerdict }
  | { kind: "judged"; verdict: CachedVerdict; tokens: TokenCounts }
  | { kind: "failed"; failure: string; unanswered: boolean }
  /** The caller no longer wanted it (`shouldAsk` said no before the judge was asked). */
  | { kind: "skipped" };

/** An attempt's outcome, and the write still recording it (if any). */
interface Attempted {
  outcome: VerdictOutcome;
  written?: Promise<void>;
}

export interface LeasedQuestion {
  record: VerdictRecord;
  subject: () => VerdictSubject;
  conversation: () => readonly ChatMessage[];
  item: Pick<RubricItem, "points" | "criterion">;
}

export interface ObtainOptions {
  /** Runs one attempt (claim, and the judge call if claimed) inside the caller's concurrency limit. */
  slot<T>(attempt: () => Promise<T>): Promise<T>;
  /** How the claim is made; default one key at a time (a batch grader claims ahead, see ClaimAhead). */
  claim?(key: string): Promise<VerdictClaim>;
  /** Asked before every attempt: false gives up without a judge call (the verdict is no longer wanted). */
  shouldAsk?(): boolean;
  /** Records a cached verdict's use for the run, as a batch run does for its summary. */
  linkCached?: boolean;
  /** Aborts the judge call when it is running (and skips it when it has not started). */
  signal?: AbortSignal;
  /** Each finished judge call; `aborted` when `signal` ended it. */
  onCall?(call: JudgeCall): void;
}

/** A finished judge call, as metrics and health checks see it. */
export interface JudgeCall {
  ok: boolean;
  seconds: number;
  aborted?: boolean;
  failure?: string;
}

export interface VerdictLeases {
  readonly owner: string;
  readonly leaseMs: number;
  /** The verdict of one criterion of one answer, by the protocol above. A judge that throws (a refused key) rethrows, its failure recorded. */
  obtain(question: LeasedQuestion, options: ObtainOptions): Promise<VerdictOutcome>;
  /** Writes every pending verdict and failure now. */
  flush(): Promise<void>;
  /** Writes what is pending, stops renewing and releases this owner's leases. */
  close(): Promise<void>;
}

export interface VerdictLeasesOptions {
  store: VerdictStore;
  judge: Judge;
  leaseMs?: number;
  pollMs?: number;
  /** How writes and claims are grouped (group-commit.ts defaults). */
  groups?: GroupCommitOptions;
}

export function holdVerdictLeases(options: VerdictLeasesOptions): VerdictLeases {
  const { store, judge } = options;
  const owner = leaseOwner();
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const pollMs = Math.min(options.pollMs ?? BUSY_POLL_MS, leaseMs);
  const model = { judgeModel: judge.model, promptVersion: judge.promptVersion };
  // A failed renewal is not this owner's to report: the next claim or save meets the same store.
  const heartbeat = setInterval(() => store.renewLeases(owner, leaseMs).catch(() => {}), leaseMs / 3);
  heartbeat.unref();
  const verdicts = groupCommit(async (group: NewVerdict[]) => {
    await store.saveVerdicts(group);
    return group.map(() => undefined);
  }, options.groups);
  const failures = groupCommit(async (group: { record: VerdictRecord; failure: string }[]) => {
    await store.saveFailures(group, owner);
    return group.map(() => undefined);
  }, options.groups);
  // Claims are made inside a concurrency slot, so they go out on the next turn of the event loop, not later, and
  // their claimers resume 16 a turn: 8 a turn, the last of a group of 20 waited two more loop iterations in its
  // slot, several ms each under load; all 64 of a group at once held the loop for up to 10-20 ms on a loaded
  // machine (each goes on to start a judge call).
  const claims = groupCommit((keys: string[]) => store.claimVerdicts(keys, owner, leaseMs), {
    ...options.groups,
    maxDelayMs: 0,
    resumePerTurn: CLAIMS_RESUMED_PER_TURN,
  });

  /** The judge's outcome, and the write recording it: awaited outside the slot, so a group's few ms hold no judge call back. */
  const ask = async (question: LeasedQuestion, { onCall, signal }: ObtainOptions): Promise<Attempted> => {
    const { record } = question;
    const started = performance.now();
    let outcome: JudgeOutcome;
    try {
      // The answer's own array, the same for each of its criteria: a whole-rubric judge gathers them by it.
      outcome = await judge.grade({ conversation: question.conversation(), item: question.item, signal });
    } catch (error) {
      await failures.add({ record, failure: describeError(error) });
      throw error;
    }
    const aborted = !outcome.ok && (signal?.aborted ?? false);
    onCall?.({ ok: outcome.ok, seconds: (performance.now() - started) / 1000, aborted, failure: outcome.ok ? undefined : outcome.failure });
    if (!outcome.ok)
      return {
        outcome: { kind: "failed", failure: outcome.failure, unanswered: outcome.unanswered ?? false },
        written: failures.add({ record, failure: outcome.failure }),
      };
    const tokens = { promptTokens: outcome.promptTokens, completionTokens: outcome.completionTokens };
    return {
      outcome: { kind: "judged", verdict: outcome.verdict, tokens },
      written: verdicts.add({ record, subject: question.subject(), verdict: outcome.verdict, model, tokens }),
    };
  };

  const attempt = async (question: LeasedQuestion, options: ObtainOptions): Promise<Attempted | "busy"> => {
    if ((options.shouldAsk && !options.shouldAsk()) || options.signal?.aborted) return { outcome: { kind: "skipped" } };
    const key = question.record.cacheKey;
    const claim = options.claim ? await options.claim(key) : await claims.add(key);
    if (claim.state === "busy") return "busy";
    if (claim.state === "claimed") return ask(question, options);
    if (options.linkCached) await store.linkVerdicts([question.record]);
    return { outcome: { kind: "cached", verdict: claim.verdict } };
  };

  const flush = async () => {
    await Promise.all([verdicts.flush(), failures.flush()]);
  };

  return {
    owner,
    leaseMs,
    async obtain(question, options) {
      for (;;) {
        const got = await options.slot(() => attempt(question, options));
        if (got === "busy") {
          await sleep(pollMs);
          continue;
        }
        // The lease is held until the verdict (or failure) is in the store.
        await got.written;
        return got.outcome;
      }
    },
    flush,
    async close() {
      clearInterval(heartbeat);
      await flush();
      await store.releaseLeases(owner);
    },
  };
}
