import { describe, expect, it } from "vitest";
import { bestIndex } from "./best-index.js";

describe("bestIndex", () => {
  it("gives the first largest value's index, skipping NaN, and -1 for none", () => {
    expect(bestIndex([0.2, 0.9, 0.9, 0.1])).toBe(1);
    expect(bestIndex([Number.NaN, -3, -1])).toBe(2);
    expect(bestIndex([])).toBe(-1);
    expect(bestIndex([Number.NaN])).toBe(-1);
  });

  it("handles more candidates than a spread call can take", () => {
    const values = Array.from({ length: 500_000 }, (_, i) => (i === 321_000 ? 2 : Math.sin(i)));
    expect(bestIndex(values)).toBe(321_000);
  });
});
