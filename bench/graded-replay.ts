/**
 * Graded runs replayed through the OpenAI stand-in, for the hybrid benches (triage.bench.ts,
 * hybrid.bench.ts): a graded row as a reward request, the stand-in's grader answering with the
 * grader's recorded verdict of the answer and criterion its prompt shows, each prompt's answers
 * (one GRPO group), the folds by prompt, and pairs kept in the grader's order.
 */
import { sha256Hex } from "../src/core/hash.js";
import type { RewardRequest } from "../src/core/types.js";
import type { GradedExample } from "../src/healthbench/schema.js";
import type { ChatCompletionBody } from "../test/openai-standin.js";

/** The fold of a prompt, as bench/real-grades.ts cuts them. */
export const foldOf = (promptId: string, folds: number) => Number.parseInt(sha256Hex(promptId).slice(0, 8), 16) % folds;

export const gradedRequest = (row: GradedExample): RewardRequest => ({
  prompt: row.prompt,
  response: row.completion.map((m) => m.content).join("\n"),
  rubrics: row.rubrics,
});

/** The stand-in's grader: the recorded verdict of the answer and criterion the prompt shows. */
export function replayGrader(held: readonly GradedExample[]) {
  const byCriterion = new Map<string, { row: GradedExample; i: number }[]>();
  for (const row of held)
    row.rubrics.forEach((item, i) => {
      const key = `[${item.points}] ${item.criterion}`;
      byCriterion.set(key, [...(byCriterion.get(key) ?? []), { row, i }]);
    });
  return (body: ChatCompletionBody) => {
    const text = body.messages[0]?.content ?? "";
    const line = /# Rubric item\s+(\[[^\]]*\] [\s\S]*?)\n\n# How to grade/.exec(text)?.[1] ?? "";
    const candidates = (byCriterion.get(line) ?? []).filter(({ row }) => text.includes(gradedRequest(row).response));
    const best = candidates.sort((a, b) => gradedRequest(b.row).response.length - gradedRequest(a.row).response.length)[0];
    if (!best) throw new Error(`no recorded verdict for ${line.slice(0, 80)}`);
    return JSON.stringify({ explanation: "recorded", criteria_met: best.row.verdicts[best.i]?.criteria_met });
  };
}

/** The row indexes of each prompt's answers: one GRPO group. */
export function promptGroups(held: readonly GradedExample[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  held.forEach((row, i) => {
    groups.set(row.prompt_id, [...(groups.get(row.prompt_id) ?? []), i]);
  });
  return groups;
}

/** Pairs of answers to one prompt whose grader scores differ by >= 0.1, ordered the same way by `rewards` (ties half). */
export function pairsKept(
  held: readonly GradedExample[],
  truth: readonly number[],
  rewards: readonly number[],
): { kept: number; n: number } {
  let kept = 0;
  let n = 0;
  for (const indexes of promptGroups(held).values())
    for (const a of indexes)
      for (const b of indexes) {
        const gap = (truth[a] as number) - (truth[b] as number);
        if (gap < 0.1) continue;
        n++;
        const d = (rewards[a] as number) - (rewards[b] as number);
        kept += d > 0 ? 1 : d === 0 ? 0.5 : 0;
      }
  return { kept, n };
}
