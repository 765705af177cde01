import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { needsRealData, realDataFile } from "../../test/shared-data.js";
import { fastExample, fastGraded } from "./fast-validate.js";
import { exampleSchema, gradedExampleSchema } from "./schema.js";

type Row = Record<string, unknown>;

const rowsOf = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Row);

const WRONG: unknown[] = [null, 0, -1, 1.5, "", "x", true, [], [1], {}, { role: "user" }];

/** The row, and the row with each field (and nested field) removed or replaced by a wrong value. */
function variants(row: Row): Row[] {
  const out: Row[] = [row];
  const edit = (change: (copy: Row) => void) => {
    const copy = structuredClone(row);
    change(copy);
    out.push(copy);
  };
  for (const key of [...Object.keys(row), "completion_id", "canary", "ideal_completions_data", "extra"]) {
    edit((copy) => delete copy[key]);
    for (const wrong of WRONG) edit((copy) => (copy[key] = wrong));
  }
  const arrays: [string, string[]][] = [
    ["prompt", ["role", "content"]],
    ["completion", ["role", "content"]],
    ["rubrics", ["criterion", "points", "tags"]],
    ["verdicts", ["criteria_met", "explanation", "failure"]],
  ];
  for (const [key, fields] of arrays) {
    if (!Array.isArray(row[key])) continue;
    const last = (row[key] as unknown[]).length - 1;
    edit((copy) => (copy[key] as unknown[]).pop());
    edit((copy) => (copy[key] as unknown[]).push(structuredClone((row[key] as unknown[])[0])));
    for (const field of [...fields, "extra"]) {
      edit((copy) => delete ((copy[key] as Row[])[last] as Row)[field]);
      for (const wrong of [...WRONG, "assistant", "developer", ["a", "a"], ["a", "b"]])
        edit((copy) => (((copy[key] as Row[])[last] as Row)[field] = wrong));
    }
  }
  if (Array.isArray(row.rubrics)) {
    edit((copy) => {
      for (const item of copy.rubrics as Row[]) item.points = -Math.abs(item.points as number);
    });
  }
  edit((copy) => (copy.example_tags = ["t", "t"]));
  edit((copy) => (copy.ideal_completions_data = { ideal_completion: "x" }));
  edit((copy) => (copy.ideal_completions_data = { ideal_completion: "x", ideal_completions_group: 3 }));
  edit((copy) => (copy.ideal_completions_data = { ideal_completion: "x", ideal_completions_ref_completions: ["a", 1] }));
  edit((copy) => (copy.ideal_completions_data = { ideal_completion: 1 }));
  edit(
    (copy) =>
      (copy.ideal_completions_data = {
        ideal_completion: "x",
        ideal_completions_group: "g",
        ideal_completions_ref_completions: ["r"],
        more: 1,
      }),
  );
  return out;
}

function expectSameAsZod(schema: z.ZodType, fast: (raw: unknown) => unknown, rows: Row[]): { accepted: number; refused: number } {
  let accepted = 0;
  let refused = 0;
  for (const row of rows) {
    const zod = schema.safeParse(structuredClone(row));
    const quick = fast(structuredClone(row));
    if (zod.success) {
      accepted++;
      expect(quick).toStrictEqual(zod.data);
      expect(JSON.stringify(quick)).toBe(JSON.stringify(zod.data));
    } else {
      refused++;
      expect(quick).toBeUndefined();
    }
  }
  return { accepted, refused };
}

describe("the hot paths agree with zod", () => {
  const gradedHard = realDataFile("graded_hard_responses.jsonl");
  const gradedSets = [
    { name: "every bundled graded row (the demo run)", files: ["data/demo/graded.jsonl"] },
    {
      name: `every real graded HealthBench Hard row ${needsRealData("graded_hard_responses.jsonl")}`,
      files: gradedHard ? [gradedHard] : [],
    },
  ];
  for (const set of gradedSets)
    it.skipIf(set.files.length === 0)(`on ${set.name} (all accepted), and on thousands of damaged ones`, () => {
      const real = set.files.flatMap(rowsOf);
      expect(expectSameAsZod(gradedExampleSchema, fastGraded, real)).toEqual({ accepted: real.length, refused: 0 });
      const damaged = [real[0], real[1], real.at(-1)].flatMap((row) => variants(row as Row));
      const counts = expectSameAsZod(gradedExampleSchema, fastGraded, damaged);
      expect(counts.refused).toBeGreaterThan(300);
      expect(counts.accepted).toBeGreaterThan(30);
    });

  it("on every real HealthBench example (all accepted), and on damaged ones", () => {
    const real = [
      ...rowsOf("data/healthbench/context_seeking_consensus_hard_104.jsonl"),
      ...rowsOf("data/healthbench/healthbench_rows_extra.jsonl"),
    ];
    expect(expectSameAsZod(exampleSchema, fastExample, real)).toEqual({ accepted: real.length, refused: 0 });
    const withIdeal = real.find((row) => row.ideal_completions_data) as Row;
    const counts = expectSameAsZod(exampleSchema, fastExample, [...variants(real[0] as Row), ...variants(withIdeal)]);
    expect(counts.refused).toBeGreaterThan(100);
    expect(counts.accepted).toBeGreaterThan(20);
  });
});
