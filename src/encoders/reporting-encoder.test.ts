import { describe, expect, it } from "vitest";
import { createHashEncoder } from "../../test/hash-encoder.js";
import type { Encoder } from "../core/types.js";
import { withProgressReport } from "./reporting-encoder.js";

describe("withProgressReport", () => {
  it("reports 0 before the first batch, then after each, with the inner encoder's vectors", async () => {
    const inner = createHashEncoder(8);
    const reports: [number, number][] = [];
    const encoder = withProgressReport(inner, (done, total) => reports.push([done, total]), { batchSize: 4 });
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

  it("keeps up to `concurrency` batches in flight and the texts' order when later batches finish first", async () => {
    const hash = createHashEncoder(8);
    let inFlight = 0;
    let most = 0;
    // The first batches are the slowest, so they finish after those started later.
    const inner: Encoder = {
      id: hash.id,
      dim: hash.dim,
      async embed(texts) {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 40 - 3 * Number((texts[0] as string).split(" ")[1])));
        inFlight--;
        return hash.embed(texts);
      },
    };
    const reports: number[] = [];
    const encoder = withProgressReport(inner, (done) => reports.push(done), { batchSize: 2, concurrency: 3 });
    const texts = Array.from({ length: 11 }, (_, i) => `text ${i}`);
    expect(await encoder.embed(texts)).toEqual(await hash.embed(texts));
    expect(most).toBe(3);
    // One report per batch as it finishes (the last, of one text, among the first to finish), counting up to 11.
    expect(reports).toHaveLength(7);
    expect(reports.at(-1)).toBe(11);
    expect(reports.every((done, i) => i === 0 || done > (reports[i - 1] as number))).toBe(true);
  });
});
