/** Group commit: items asked for together go out as one write, in order, and every caller learns its group's fate. */
import { describe, expect, it } from "vitest";
import { openSqliteStore } from "../store/sqlite-store.js";
import { groupCommit } from "./group-commit.js";

describe("groupCommit", () => {
  it("writes what is asked in one turn as one group, splits at maxItems, and gives each caller its own result", async () => {
    const groups: number[][] = [];
    const commit = groupCommit(
      async (items: number[]) => {
        groups.push(items);
        return items.map((n) => n * 10);
      },
      { maxItems: 4, maxDelayMs: 5 },
    );
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => commit.add(n)));
    expect(results).toEqual([10, 20, 30, 40, 50, 60]);
    expect(groups).toEqual([
      [1, 2, 3, 4],
      [5, 6],
    ]);
  });

  it("fails every caller of a group whose write fails, and not the next group", async () => {
    let calls = 0;
    const commit = groupCommit(async (items: string[]) => {
      if (++calls === 1) throw new Error("disk full");
      return items;
    });
    const first = await Promise.allSettled([commit.add("a"), commit.add("b")]);
    expect(first.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(await commit.add("c")).toBe("c");
  });

  it("flush writes a pending group at once, so closing loses nothing", async () => {
    const written: string[] = [];
    const commit = groupCommit(
      async (items: string[]) => {
        written.push(...items);
        return items;
      },
      { maxDelayMs: 60_000 },
    );
    const pending = commit.add("late");
    await commit.flush();
    expect(written).toEqual(["late"]);
    expect(await pending).toBe("late");
  });

  it("claims a store's verdict leases in one transaction per group", async () => {
    const store = openSqliteStore(":memory:");
    const claims = groupCommit((keys: string[]) => store.claimVerdicts(keys, "owner-a", 30_000), { maxDelayMs: 0 });
    const got = await Promise.all(["k1", "k2", "k3"].map((key) => claims.add(key)));
    expect(got).toEqual([{ state: "claimed" }, { state: "claimed" }, { state: "claimed" }]);
    expect(await store.claimVerdicts(["k2"], "owner-b", 30_000)).toEqual([{ state: "busy" }]);
    await store.close();
  });
});
