/**
 * The verdict-lease protocol, the one way `grade`, the reward server and the hybrid's memory get a
 * verdict from a store several processes and hosts may share: claim it; if it is cached, take it;
 * if another owner holds its lease, wait (outside any concurrency slot) and claim again; if this
 * owner got the lease, ask the judge and save the verdict, or record the failure, which frees
 * the lease. A heartbeat renews the owner's leases while it lives; closing releases them, and a
 * killed owner's leases lapse (or, on its own host, are taken at once).
 *
 * A judge failure is a recorded failure, never a verdict of "not met", and never cached.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describeError } from "../core/errors.js";
import type { ChatMessage, Judge, JudgeOutcome, RubricItem } from "../core/types.js";
import { leaseOwner } from "../store/lease-owner.js";
import type { CachedVerdict, TokenCounts, VerdictClaim, VerdictRecord, VerdictStore, VerdictSubject } from "../store/store.js";

export const DEFAULT_LEASE_MS = 30_000;
/** How often a verdict another owner is asking is looked at again. */
export const BUSY_POLL_MS = 200;

export type VerdictOutcome =
  | { kind: "cached"; verdict: CachedVerdict }
  | { kind: "judged"; verdict: CachedVerdict; tokens: TokenCounts }
  | { kind: "failed"; failure: string; unanswered: boolean }
  /** The caller no longer wanted it (`shouldAsk` said no before the judge was asked). */
  | { kind: "skipped" };

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
  /** Each finished judge call. */
  onCall?(call: { ok: boolean; seconds: number }): void;
}

export interface VerdictLeases {
  readonly owner: string;
  readonly leaseMs: number;
  /** The verdict of one criterion of one answer, by the protocol above. A judge that throws (a refused key) rethrows, its failure recorded. */
  obtain(question: LeasedQuestion, options: ObtainOptions): Promise<VerdictOutcome>;
  /** Stops renewing and releases this owner's leases. */
  close(): Promise<void>;
}

export interface VerdictLeasesOptions {
  store: VerdictStore;
  judge: Judge;
  leaseMs?: number;
  pollMs?: number;
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

  const ask = async (question: LeasedQuestion, onCall: ObtainOptions["onCall"]): Promise<VerdictOutcome> => {
    const { record } = question;
    const started = performance.now();
    let outcome: JudgeOutcome;
    try {
      outcome = await judge.grade({ conversation: [...question.conversation()], item: question.item });
    } catch (error) {
      await store.saveFailures([{ record, failure: describeError(error) }], owner);
      throw error;
    }
    onCall?.({ ok: outcome.ok, seconds: (performance.now() - started) / 1000 });
    if (!outcome.ok) {
      await store.saveFailures([{ record, failure: outcome.failure }], owner);
      return { kind: "failed", failure: outcome.failure, unanswered: outcome.unanswered ?? false };
    }
    const tokens = { promptTokens: outcome.promptTokens, completionTokens: outcome.completionTokens };
    await store.saveVerdicts([{ record, subject: question.subject(), verdict: outcome.verdict, model, tokens }]);
    return { kind: "judged", verdict: outcome.verdict, tokens };
  };

  const attempt = async (question: LeasedQuestion, options: ObtainOptions): Promise<VerdictOutcome | "busy"> => {
    if (options.shouldAsk && !options.shouldAsk()) return { kind: "skipped" };
    const key = question.record.cacheKey;
    const claim = options.claim ? await options.claim(key) : ((await store.claimVerdicts([key], owner, leaseMs))[0] as VerdictClaim);
    if (claim.state === "busy") return "busy";
    if (claim.state === "claimed") return ask(question, options.onCall);
    if (options.linkCached) await store.linkVerdicts([question.record]);
    return { kind: "cached", verdict: claim.verdict };
  };

  return {
    owner,
    leaseMs,
    async obtain(question, options) {
      for (;;) {
        const got = await options.slot(() => attempt(question, options));
        if (got !== "busy") return got;
        await sleep(pollMs);
      }
    },
    async close() {
      clearInterval(heartbeat);
      await store.releaseLeases(owner);
    },
  };
}
