/**
 * The grader prompts (data files: `data/prompts/healthbench-grader.md`, one criterion per call,
 * HealthBench's protocol; `data/prompts/healthbench-rubric-grader.md`, a whole rubric per call)
 * and the HealthBench rendering of what they are given: the conversation as `role: content` turns
 * and each rubric item as `[points] criterion`, verbatim (numbered from 1 in a whole rubric).
 */
import type { ChatMessage, RubricItem } from "../core/types.js";
import { packageFile } from "../io/package-files.js";
import { loadPromptTemplate, type PromptTemplate, renderConversation } from "../llm/prompt-template.js";

export const DEFAULT_GRADER_PROMPT = "data/prompts/healthbench-grader.md";
export const GRADER_PLACEHOLDERS = ["conversation", "rubric_item"] as const;

export type GraderPrompt = PromptTemplate<(typeof GRADER_PLACEHOLDERS)[number]>;

export const DEFAULT_RUBRIC_GRADER_PROMPT = "data/prompts/healthbench-rubric-grader.md";
export const RUBRIC_GRADER_PLACEHOLDERS = ["conversation", "rubric_items"] as const;
export type RubricGraderPrompt = PromptTemplate<(typeof RUBRIC_GRADER_PLACEHOLDERS)[number]>;

export function loadGraderPrompt(file: string = packageFile(DEFAULT_GRADER_PROMPT)): Promise<GraderPrompt> {
  return loadPromptTemplate(file, GRADER_PLACEHOLDERS);
}

export function loadRubricGraderPrompt(file: string = packageFile(DEFAULT_RUBRIC_GRADER_PROMPT)): Promise<RubricGraderPrompt> {
  return loadPromptTemplate(file, RUBRIC_GRADER_PLACEHOLDERS);
}

/** A whole rubric's items, one a line, numbered from 1 as the verdicts name them. */
export function renderRubricGraderPrompt(
  prompt: RubricGraderPrompt,
  conversation: readonly ChatMessage[],
  items: readonly Pick<RubricItem, "points" | "criterion">[],
): string {
  return prompt.render({
    conversation: renderConversation(conversation),
    rubric_items: items.map((item, i) => `${i + 1}. ${renderRubricItem(item)}`).join("\n"),
  });
}

export function renderRubricItem(item: Pick<RubricItem, "points" | "criterion">): string {
  return `[${item.points}] ${item.criterion}`;
}

export function renderGraderPrompt(
  prompt: GraderPrompt,
  conversation: readonly ChatMessage[],
  item: Pick<RubricItem, "points" | "criterion">,
): string {
  return prompt.render({ conversation: renderConversation(conversation), rubric_item: renderRubricItem(item) });
}
