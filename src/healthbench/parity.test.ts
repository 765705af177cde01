/**
 * Parity with recorded HealthBench grading: for every row of the real judged_responses file,
 * the score and every per-tag metric recomputed from the stored verdicts match the stored ones.
 * The file is CC BY-NC and not shipped: without it these tests are skipped (parity with
 * simple-evals' own result files, which are bundled, is in simple-evals-results.test.ts).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { needsRealData, realDataFile } from "../../test/shared-data.js";
import { loadGraded } from "./load.js";
import { exampleMetrics } from "./scoring.js";

const file = realDataFile("judged_responses.jsonl");
const stored = (file ? readFileSync(file, "utf8") : "")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => JSON.parse(line) as { prompt_id: string; score: number; metrics: Record<string, number> });

describe.skipIf(!file)(`parity with judged_responses.jsonl ${needsRealData("judged_responses.jsonl")}`, async () => {
  const { rows, skipped, duplicates } = file ? await loadGraded(file) : { rows: [], skipped: [], duplicates: 0 };

  it("loads all 100 rows", () => {
    expect(rows).toHaveLength(100);
    expect(skipped).toHaveLength(0);
    expect(duplicates).toBe(0);
  });

  it.each(rows.map((row, i) => [row.prompt_id, i] as const))("%s: metrics match within 1e-12", (_id, i) => {
    const row = rows[i];
    const expected = stored[i];
    if (!row || !expected) throw new Error(`row ${i} missing`);
    const metrics = exampleMetrics(
      row,
      row.verdicts.map((v) => v.criteria_met),
    );
    expect(Object.keys(metrics).sort()).toEqual(Object.keys(expected.metrics).sort());
    for (const [key, value] of Object.entries(expected.metrics)) {
      expect(Math.abs((metrics[key] as number) - value), key).toBeLessThanOrEqual(1e-12);
    }
    // The stored `score` field was rounded to 10 decimals upstream (metrics.overall_score was not):
    // it is the same number at that precision.
    expect(Number((metrics.overall_score as number).toFixed(10))).toBe(expected.score);
  });
});
