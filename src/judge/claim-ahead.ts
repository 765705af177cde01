/**
 * Verdict leases taken a batch at a time. A run asks the judge for its items in queue order, so
 * when item n is claimed, the next few unclaimed items are claimed in the same write
 * transaction: one SQLite commit per batch instead of one per verdict, which keeps work sharing
 * between runs nearly free for a run alone on its store, and one round trip per batch on a
 * networked one. Items claimed ahead are ones this run starts shortly; their leases are renewed
 * like the rest.
 */
import type { VerdictClaim, VerdictStore } from "../store/store.js";

export const CLAIM_BATCH = 16;

export class ClaimAhead {
  /** Claims made ahead, by item, pending or settled: an item asked for while its batch is on its way waits for that batch. */
  private readonly ahead = new Map<number, Promise<VerdictClaim>>();
  /** The lowest item index never claimed. */
  private next = 0;

  constructor(
    private readonly store: VerdictStore,
    private readonly lease: { owner: string; ms: number },
    /** Cache key of item n (0-based, in queue order), of `count` items. */
    private readonly keyOf: (n: number) => string,
    private readonly count: number,
  ) {}

  async claim(n: number): Promise<VerdictClaim> {
    const early = this.ahead.get(n);
    if (early) {
      this.ahead.delete(n);
      const claim = await early;
      // Busy when claimed ahead: claimed again now that its turn has come.
      if (claim.state !== "busy") return claim;
      return (await this.claimKeys([n]))[0] as VerdictClaim;
    }
    const indexes = [n];
    for (let m = Math.max(this.next, n + 1); m < this.count && indexes.length < CLAIM_BATCH; m++) indexes.push(m);
    this.next = Math.max(this.next, (indexes.at(-1) as number) + 1);
    const batch = this.claimKeys(indexes);
    indexes.slice(1).forEach((m, i) => {
      const claim = batch.then((claims) => claims[i + 1] as VerdictClaim);
      // Awaited when item m's turn comes; until then a failed batch must not count as unhandled.
      claim.catch(() => {});
      this.ahead.set(m, claim);
    });
    return (await batch)[0] as VerdictClaim;
  }

  private claimKeys(indexes: readonly number[]): Promise<VerdictClaim[]> {
    return this.store.claimVerdicts(
      indexes.map((m) => this.keyOf(m)),
      this.lease.owner,
      this.lease.ms,
    );
  }
}
