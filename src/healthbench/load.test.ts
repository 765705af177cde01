import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/temp-dir.js";
import { exampleKey, loadExamples, loadGraded } from "./load.js";

const consensus = "data/healthbench/context_seeking_consensus_hard_104.jsonl";

describe("loadExamples", () => {
  it("loads real HealthBench rows with their ideal completions", async () => {
    const { rows, skipped, duplicates } = await loadExamples(consensus);
    expect(rows).toHaveLength(104);
    expect(skipped).toHaveLength(0);
    expect(duplicates).toBe(0);
    const withIdeal = rows.filter((row) => row.ideal_completions_data);
    expect(withIdeal).toHaveLength(101);
    expect(withIdeal.filter((row) => row.ideal_completions_data?.ideal_completions_ref_completions.length === 4)).toHaveLength(64);
    expect(rows[0]?.canary).toMatch(/^healthbench:/);
  });

  it("drops rows with the same prompt id and rubric set, whatever the item order", async () => {
    const [first, second] = readFileSync(consensus, "utf8")
      .split("\n")
      .map((line) => (line ? JSON.parse(line) : null));
    const reordered = { ...first, rubrics: [...first.rubrics].reverse() };
    const otherRubric = { ...first, rubrics: [first.rubrics[0]] };
    const path = join(await tempDir(), "dup.jsonl");
    await writeFile(path, [first, second, reordered, otherRubric, first].map((row) => JSON.stringify(row)).join("\n"));
    const { rows, duplicates } = await loadExamples(path);
    expect(rows).toHaveLength(3);
    expect(duplicates).toBe(2);
    expect(exampleKey(reordered)).toBe(exampleKey(first));
    expect(exampleKey(otherRubric)).not.toBe(exampleKey(first));
  });
});

describe("loadGraded", () => {
  it("drops a graded row only when prompt, rubric set, completion and completion id are all the same", async () => {
    const [row] = readFileSync("data/demo/graded.jsonl", "utf8")
      .split("\n")
      .map((line) => (line ? JSON.parse(line) : null));
    const answer = row.completion[0].content as string;
    // Same length as the answer, so it lands in the same bucket and must be told apart by its text.
    const sameLength = { ...row, completion: [{ role: "assistant", content: `${answer.slice(0, -1)}#` }] };
    const reordered = { ...row, rubrics: [...row.rubrics].reverse(), verdicts: [...row.verdicts].reverse(), score: 0.123 };
    const withId = { ...row, completion_id: "sample-2" };
    const rows = [row, sameLength, reordered, withId, { ...withId }, { ...sameLength }, row];
    const path = join(await tempDir(), "graded.jsonl");
    await writeFile(path, rows.map((r) => JSON.stringify(r)).join("\n"));
    const loaded = await loadGraded(path);
    expect(loaded.rows.map((r) => [r.completion[0]?.content === answer, r.completion_id ?? null])).toEqual([
      [true, null],
      [false, null],
      [true, "sample-2"],
    ]);
    expect(loaded.duplicates).toBe(4);
  });
});
