/**
 * The reward model's P(met) per criterion for a run's graded answers, from the output of
 * `medrubric reward` on those answers with their rubrics. A reward row's `id` is the answer's
 * prompt id; where a prompt has several answers, its reward rows go with them in file order
 * (pair-in-order.ts), as `reward` keeps its input's order.
 */
import { InputError } from "../core/errors.js";
import type { GradedExample } from "../healthbench/schema.js";
import { readJsonl } from "../io/jsonl.js";
import { rewardOutputRowSchema } from "../rm/reward-output.js";
import { pairInOrder } from "./pair-in-order.js";

/** P(met) per criterion of each answer, in the order of `rows`; null where the file has no row for it. */
export async function readAnswerRewards(file: string, rows: readonly Pick<GradedExample, "prompt_id" | "rubrics">[]) {
  const lines = [];
  for await (const row of readJsonl(file, rewardOutputRowSchema)) lines.push(row);
  if (lines.length === 0) throw new InputError({ file }, "no reward rows");
  const { pairs, onlySecond } = pairInOrder(
    rows,
    (row) => row.prompt_id,
    lines,
    (line) => String(line.value.id),
  );
  const extra = lines[onlySecond[0] ?? -1];
  if (extra)
    throw new InputError(
      { file, line: extra.line, field: "id" },
      `no graded answer left for id ${JSON.stringify(extra.value.id)} (an id is the answer's prompt_id, one reward row per answer, in the graded file's order)`,
    );
  const rewards: (number[] | null)[] = rows.map(() => null);
  for (const [i, j] of pairs) {
    const { value, line } = lines[j] as (typeof lines)[number];
    const expected = (rows[i] as (typeof rows)[number]).rubrics.length;
    if (!value.criteria)
      throw new InputError(
        { file, line, field: "criteria" },
        "missing: run `medrubric reward` with each answer's rubrics to get P(met) per criterion",
      );
    if (value.criteria.length !== expected)
      throw new InputError(
        { file, line, field: "criteria" },
        `has ${value.criteria.length} values for the answer's ${expected} rubric items`,
      );
    rewards[i] = value.criteria;
  }
  return rewards;
}
