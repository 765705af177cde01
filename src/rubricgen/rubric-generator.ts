/**
 * Rubric generation guided by the standard: for a conversation and its matrix cell, an LLM
 * writes HealthBench-format rubric items tagged with the dimension each measures. Its answer is
 * validated with zod, items naming no known dimension are dropped, near-duplicates removed, and
 * a rubric without a positive item is refused; an unusable answer is asked again a bounded
 * number of times, and a usable one kept in the store.
 */
import { z } from "zod";
import type { ChatMessage, RubricItem } from "../core/types.js";
import { packageFile } from "../io/package-files.js";
import { type CachedChatOutcome, cachedChat } from "../llm/cached-chat.js";
import { LlmOutputError, parseJsonOutput } from "../llm/json-output.js";
import type { LlmClient } from "../llm/openai-client.js";
import { loadPromptTemplate, type PromptTemplate, renderConversation } from "../llm/prompt-template.js";
import type { Standard } from "../standards/schema.js";
import type { CompletionCache } from "../store/store.js";
import { removeNearDuplicates } from "./near-duplicates.js";

export const DEFAULT_GENERATOR_PROMPT = "data/prompts/rubric-generator.md";
export const GENERATOR_PLACEHOLDERS = ["conversation", "scenario", "discipline", "dimensions"] as const;
export type GeneratorPrompt = PromptTemplate<(typeof GENERATOR_PLACEHOLDERS)[number]>;

export function loadGeneratorPrompt(file: string = packageFile(DEFAULT_GENERATOR_PROMPT)): Promise<GeneratorPrompt> {
  return loadPromptTemplate(file, GENERATOR_PLACEHOLDERS);
}

const answerSchema = z.object({
  rubrics: z
    .array(
      z.object({
        criterion: z.string().trim().min(1),
        points: z
          .number()
          .int()
          .min(-10)
          .max(10)
          .refine((points) => points !== 0, "must not be 0"),
        dimension: z.string(),
      }),
    )
    .min(1),
});

export interface MatrixCell {
  scenario: string | null;
  discipline: string | null;
}

export interface GeneratedRubric {
  rubrics: RubricItem[];
  dropped: { nearDuplicates: number; unknownDimensions: number };
}

/** Turns a generator answer into tagged, de-duplicated rubric items; throws LlmOutputError if unusable. */
export function interpretAnswer(content: string, cell: MatrixCell, standard: Standard): GeneratedRubric {
  const answer = parseJsonOutput(content, answerSchema);
  const dimensions = new Map(standard.dimensions.map((d) => [d.id, d]));
  const known = answer.rubrics.filter((item) => dimensions.has(item.dimension));
  const { kept, dropped } = removeNearDuplicates(known, (item) => item.criterion);
  if (!kept.some((item) => item.points > 0)) throw new LlmOutputError("the rubric has no positive item for a known dimension", content);
  const rubrics = kept.map(({ criterion, points, dimension }): RubricItem => {
    const axis = dimensions.get(dimension)?.healthbench_axis;
    const tags = ["level:example", ...(axis ? [`axis:${axis}`] : []), `dimension:${dimension}`];
    if (cell.scenario) tags.push(`scenario:${cell.scenario}`);
    if (cell.discipline) tags.push(`discipline:${cell.discipline}`);
    return { criterion, points, tags };
  });
  return { rubrics, dropped: { nearDuplicates: dropped, unknownDimensions: answer.rubrics.length - known.length } };
}

export function renderGeneratorPrompt(
  prompt: GeneratorPrompt,
  conversation: readonly ChatMessage[],
  cell: MatrixCell,
  standard: Standard,
): string {
  const scenario = standard.scenarios.find((s) => s.id === cell.scenario);
  const discipline = standard.disciplines.find((d) => d.id === cell.discipline);
  const equalWeight = 1 / standard.dimensions.length;
  const dimensions = standard.dimensions.map((d) =>
    [
      `- ${d.id} (weight ${(scenario?.weights[d.id] ?? equalWeight).toFixed(2)}): ${d.name}`,
      `  ${d.description}`,
      `  Good: ${d.examples.good.join(" / ")}`,
      `  Poor: ${d.examples.poor.join(" / ")}`,
    ].join("\n"),
  );
  return prompt.render({
    conversation: renderConversation(conversation),
    scenario: scenario ? `${scenario.id}: ${scenario.name}. ${scenario.description}` : "unspecified",
    discipline: discipline ? `${discipline.id}: ${discipline.name} (${[...discipline.subspecialties].join(", ")})` : "unspecified",
    dimensions: dimensions.join("\n"),
  });
}

export interface RubricGeneratorContext {
  client: LlmClient;
  store: CompletionCache;
  prompt: GeneratorPrompt;
  standard: Standard;
  standardsHash: string;
  maxRetries?: number;
}

/** The rubric for one conversation and cell, from the store when an earlier run made it. */
export function generateRubric(
  context: RubricGeneratorContext,
  conversation: readonly ChatMessage[],
  cell: MatrixCell,
): Promise<CachedChatOutcome<GeneratedRubric>> {
  const { client, store, prompt, standard } = context;
  return cachedChat(store, client, {
    messages: [{ role: "user", content: renderGeneratorPrompt(prompt, conversation, cell, standard) }],
    read: (content) => interpretAnswer(content, cell, standard),
    json: true,
    maxRetries: context.maxRetries,
    keyParts: [prompt.version, context.standardsHash],
  });
}
