/**
 * Verdict leases taken a batch at a time. A run asks the judge for its items in queue order, so
 * when item n is claimed, the next few unclaimed items are claimed in the same write
 * transaction: one SQLite commit per batch instead of one per verdict, which keeps work sharing
 * between runs nearly free for a run alone on its store. Items claimed ahead are ones this run
 * starts shortly; their leases are renewed like the rest.
 */
import type { Store, VerdictClaim } from "../store/store.js";

export const CLAIM_BATCH = 16;

export class ClaimAhead {
  private readonly ahead = new Map<number, VerdictClaim>();
  /** The lowest item index never claimed. */
  private next = 0;

  constructor(
    private readonly store: Store,
    private readonly lease: { owner: string; ms: number },
    /** Cache key of item n (0-based, in queue order), of `count` items. */
    private readonly keyOf: (n: number) => string,
    private readonly count: number,
  ) {}

  claim(n: number): VerdictClaim {
    const early = this.ahead.get(n);
    if (early) {
      this.ahead.delete(n);
      return early;
    }
    const indexes = [n];
    for (let m = Math.max(this.next, n + 1); m < this.count && indexes.length < CLAIM_BATCH; m++) indexes.push(m);
    this.next = Math.max(this.next, (indexes.at(-1) as number) + 1);
    const claims = this.store.claimVerdicts(
      indexes.map((m) => this.keyOf(m)),
      this.lease.owner,
      this.lease.ms,
    );
    // Busy items ahead are not kept: each claims again when its turn comes.
    indexes.slice(1).forEach((m, i) => {
      const claim = claims[i + 1] as VerdictClaim;
      if (claim.state !== "busy") this.ahead.set(m, claim);
    });
    return claims[0] as VerdictClaim;
  }
}
