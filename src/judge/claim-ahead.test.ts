import { describe, expect, it } from "vitest";
import { leaseOwner, Store } from "../store/store.js";
import { CLAIM_BATCH, ClaimAhead } from "./claim-ahead.js";

const lease = () => ({ owner: leaseOwner(), ms: 60_000 });

describe("ClaimAhead", () => {
  it("claims the next items with the first, hands each out once, and leaves other runs' items busy", () => {
    const store = Store.open(":memory:");
    const other = lease();
    store.claimVerdict("k3", other.owner, other.ms);
    const keys = Array.from({ length: CLAIM_BATCH + 4 }, (_, n) => `k${n}`);
    const claims = new ClaimAhead(store, lease(), (n) => keys[n] as string, keys.length);
    expect(claims.claim(0)).toEqual({ state: "claimed" });
    // Claimed ahead with item 0, so the other run now finds them taken.
    expect(store.claimVerdict("k1", other.owner, other.ms)).toEqual({ state: "busy" });
    expect(store.claimVerdict(`k${CLAIM_BATCH}`, other.owner, other.ms)).toEqual({ state: "claimed" });
    expect(claims.claim(1)).toEqual({ state: "claimed" });
    expect(claims.claim(3)).toEqual({ state: "busy" });
    expect(claims.claim(CLAIM_BATCH)).toEqual({ state: "busy" });
    store.releaseLeases(other.owner);
    expect(claims.claim(3)).toEqual({ state: "claimed" });
  });
});
