import { describe, expect, it } from "vitest";
import { pairInOrder } from "./pair-in-order.js";

describe("pairInOrder", () => {
  it("pairs the n-th item of a key with the n-th of the other list, and keeps the rest apart", () => {
    const first = ["p1", "p2", "p1", "p1", "p3"];
    const second = ["p2", "p1", "p4", "p1"];
    const id = (x: string) => x;
    expect(pairInOrder(first, id, second, id)).toEqual({
      pairs: [
        [0, 1],
        [1, 0],
        [2, 3],
      ],
      onlyFirst: [3, 4],
      onlySecond: [2],
    });
  });
});
