import { describe, expect, it } from "vitest";
import { memo } from "./memo.js";

describe("memo", () => {
  it("computes each argument once", () => {
    const calls: string[] = [];
    const upper = memo((s: string) => {
      calls.push(s);
      return s.toUpperCase();
    });
    expect([upper("a"), upper("b"), upper("a")]).toEqual(["A", "B", "A"]);
    expect(calls).toEqual(["a", "b"]);
  });

  it("keeps at most `limit` results, computing again after they are dropped", () => {
    const calls: number[] = [];
    const square = memo((n: number) => {
      calls.push(n);
      return n * n;
    }, 2);
    for (const n of [1, 2, 1, 3, 1]) square(n);
    // 1 and 2 fill it; 3 drops both; 1 is computed again.
    expect(calls).toEqual([1, 2, 3, 1]);
  });
});
