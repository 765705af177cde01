/**
 * `train --graded-from-store`: the graded rows made of a store's judge verdicts (those `grade` and
 * `serve` with a judge paid for, the learning hybrid's included), so what an RL run taught the
 * judge's cache can be kept as a model.
 *
 * A prompt's rubric is every criterion (points and text) judged on any of its answers. An answer
 * judged on only part of it (the hybrid decided the rest, a request sent fewer criteria, a judge
 * call failed) keeps the verdicts it has; its other criteria are left out as a judge failure is in
 * a graded file (no criterion row, not in its score), and such answers are counted. A prompt none
 * of whose judged criteria has positive points cannot be scored and is left out, counted too.
 */
import { hashJson } from "../core/hash.js";
import type { RubricItem } from "../core/types.js";
import { type GradedExample, gradedExampleSchema } from "../healthbench/schema.js";
import type { TrainingFile } from "../rm/checkpoint.js";
import { criterionId } from "../store/graded-rows.js";
import type { GradedFilter, Store, StoredGradedAnswer } from "../store/store.js";

export interface StoreGradedRows {
  rows: GradedExample[];
  prompts: number;
  /** Answers judged on only part of their prompt's rubric. */
  partial: number;
  /** Prompts left out: none of their judged criteria has positive points. */
  unscorable: number;
}

/** Why a criterion of the prompt has no verdict for an answer, as the row's verdict says. */
export const NOT_JUDGED = "not judged for this answer (decided without the judge, or not asked)";

/** Graded rows of the store's answers (ordered by prompt, as `gradedRows` gives them). */
export function gradedExamplesOf(
  answers: readonly StoredGradedAnswer[],
  exampleTags?: ReadonlyMap<string, readonly string[]>,
): StoreGradedRows {
  const byPrompt = new Map<string, StoredGradedAnswer[]>();
  for (const answer of answers) {
    const group = byPrompt.get(answer.promptHash);
    if (group) group.push(answer);
    else byPrompt.set(answer.promptHash, [answer]);
  }
  const result: StoreGradedRows = { rows: [], prompts: 0, partial: 0, unscorable: 0 };
  for (const group of byPrompt.values()) {
    const rubric = new Map<string, RubricItem>();
    for (const answer of group)
      for (const v of answer.verdicts)
        if (!rubric.has(criterionId(v))) rubric.set(criterionId(v), { criterion: v.criterion, points: v.points, tags: v.tags });
    const items = [...rubric.values()].sort((a, b) => b.points - a.points || a.criterion.localeCompare(b.criterion));
    if (!items.some((item) => item.points > 0)) {
      result.unscorable++;
      continue;
    }
    result.prompts++;
    for (const answer of group) {
      const met = new Map(answer.verdicts.map((v) => [criterionId(v), v.criteria_met]));
      if (met.size < items.length) result.partial++;
      const promptId = answer.promptId ?? `store-${answer.promptHash.slice(0, 16)}`;
      result.rows.push(
        gradedExampleSchema.parse({
          prompt_id: promptId,
          prompt: answer.prompt,
          rubrics: items,
          example_tags: exampleTags?.get(promptId) ?? [],
          completion: [{ role: "assistant", content: answer.answer }],
          completion_id: answer.conversationHash,
          verdicts: items.map((item) => {
            const verdict = met.get(criterionId(item));
            return verdict === undefined
              ? { criteria_met: null, explanation: "", failure: NOT_JUDGED }
              : { criteria_met: verdict, explanation: "" };
          }),
        }),
      );
    }
  }
  return result;
}

/** The store's graded rows under `filter`, and the training file that records them in the model directory. */
export async function loadGradedFromStore(
  store: Pick<Store, "gradedRows" | "location">,
  filter: GradedFilter,
  exampleTags?: ReadonlyMap<string, readonly string[]>,
): Promise<StoreGradedRows & { file: TrainingFile; source: string }> {
  const graded = gradedExamplesOf(await store.gradedRows(filter), exampleTags);
  const judged = [
    filter.judgeModel === undefined ? "" : `judge model ${filter.judgeModel}`,
    filter.promptVersion === undefined ? "" : `grader prompt ${filter.promptVersion}`,
  ].filter(Boolean);
  const source = `${store.location}${judged.length ? ` (${judged.join(", ")})` : ""}`;
  return { ...graded, source, file: { path: source, kind: "graded", sha256: hashJson(graded.rows), rows: graded.rows.length } };
}
