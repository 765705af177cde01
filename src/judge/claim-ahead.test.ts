import { describe, expect, it } from "vitest";
import { leaseOwner } from "../store/lease-owner.js";
import { openSqliteStore } from "../store/sqlite-store.js";
import { CLAIM_BATCH, ClaimAhead } from "./claim-ahead.js";

const lease = () => ({ owner: leaseOwner(), ms: 60_000 });

describe("ClaimAhead", () => {
  it("claims the next items with the first, hands each out once, and leaves other runs' items busy", async () => {
    const store = openSqliteStore(":memory:");
    const other = lease();
    const claimOther = async (key: string) => (await store.claimVerdicts([key], other.owner, other.ms))[0];
    await claimOther("k3");
    const keys = Array.from({ length: CLAIM_BATCH + 4 }, (_, n) => `k${n}`);
    const claims = new ClaimAhead(store, lease(), (n) => keys[n] as string, keys.length);
    expect(await claims.claim(0)).toEqual({ state: "claimed" });
    // Claimed ahead with item 0, so the other run now finds them taken.
    expect(await claimOther("k1")).toEqual({ state: "busy" });
    expect(await claimOther(`k${CLAIM_BATCH}`)).toEqual({ state: "claimed" });
    expect(await claims.claim(1)).toEqual({ state: "claimed" });
    expect(await claims.claim(CLAIM_BATCH)).toEqual({ state: "busy" });
    // Busy when claimed ahead, and asked again when its turn comes.
    await store.releaseLeases(other.owner);
    expect(await claims.claim(3)).toEqual({ state: "claimed" });
  });

  it("makes one round trip for items asked for while their batch is on its way", async () => {
    const store = openSqliteStore(":memory:");
    let trips = 0;
    const counting = {
      ...store,
      claimVerdicts: (...args: Parameters<typeof store.claimVerdicts>) => {
        trips++;
        return store.claimVerdicts(...args);
      },
    };
    const keys = Array.from({ length: CLAIM_BATCH }, (_, n) => `k${n}`);
    const claims = new ClaimAhead(counting, lease(), (n) => keys[n] as string, keys.length);
    const all = await Promise.all(keys.map((_, n) => claims.claim(n)));
    expect(all.every((claim) => claim.state === "claimed")).toBe(true);
    expect(trips).toBe(1);
  });
});
