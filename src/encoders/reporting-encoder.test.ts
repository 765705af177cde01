import { describe, expect, it } from "vitest";
import { createHashEncoder } from "../../test/hash-encoder.js";
import { withProgressReport } from "./reporting-encoder.js";

describe("withProgressReport", () => {
  it("reports 0 before the first batch, then after each, with the inner encoder's vectors", async () => {
    const inner = createHashEncoder(8);
    const reports: [number, number][] = [];
    const encoder = withProgressReport(inner, (done, total) => reports.push([done, total]), 4);
    const texts = Array.from({ length: 10 }, (_, i) => `text ${i}`);
    expect(await encoder.embed(texts)).toEqual(await inner.embed(texts));
    expect(reports).toEqual([
      [0, 10],
      [4, 10],
      [8, 10],
      [10, 10],
    ]);
    expect(await encoder.embed([])).toEqual([]);
    expect(reports).toHaveLength(4);
  });
});
