/**
 * simple-evals' HealthBench output, `<name>_allresults.json`, read as graded rows: per example
 * (`metadata.example_level_metadata`) the prompt, the completion, and `rubric_items` carrying each
 * criterion's verdict. The file keeps no example tags; they come from HealthBench rows matched by
 * `prompt_id` when the caller has them.
 */
import { z } from "zod";
import { InputError } from "../core/errors.js";
import { conversationSchema, rubricItemSchema } from "../core/types.js";
import { readJsonFileAs } from "../io/read-file.js";
import { type GradedExample, gradedExampleSchema } from "./schema.js";

const exampleMetadataSchema = z.object({
  prompt_id: z.string().min(1, "must not be empty"),
  completion_id: z.string().min(1).optional(),
  prompt: conversationSchema,
  completion: conversationSchema,
  score: z.number().optional(),
  rubric_items: z
    .array(rubricItemSchema.extend({ criteria_met: z.boolean().nullable(), explanation: z.string().default("") }))
    .min(1, "must have at least one rubric item"),
});

export const allResultsSchema = z.object({
  score: z.number().nullish(),
  metrics: z.record(z.string(), z.number()).optional(),
  metadata: z.object({ example_level_metadata: z.array(exampleMetadataSchema) }),
});
export type AllResults = z.infer<typeof allResultsSchema>;

/** Is this file simple-evals output rather than graded JSONL? By its name, as simple-evals writes it. */
export const isAllResultsFile = (file: string) => file.endsWith(".json");

export async function loadAllResults(
  file: string,
  exampleTags: ReadonlyMap<string, readonly string[]> = new Map(),
): Promise<GradedExample[]> {
  const results = await readJsonFileAs(file, allResultsSchema, " (simple-evals HealthBench output, <name>_allresults.json)");
  return results.metadata.example_level_metadata.map((example, i) => {
    const row = {
      prompt_id: example.prompt_id,
      completion_id: example.completion_id,
      prompt: example.prompt,
      completion: example.completion,
      example_tags: [...(exampleTags.get(example.prompt_id) ?? [])],
      rubrics: example.rubric_items.map(({ criterion, points, tags }) => ({ criterion, points, tags })),
      verdicts: example.rubric_items.map(({ criteria_met, explanation }) => ({ criteria_met, explanation })),
    };
    const parsed = gradedExampleSchema.safeParse(row);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw new InputError(
      { file, field: `metadata.example_level_metadata.${i}.${(issue?.path ?? []).join(".")}` },
      issue?.message ?? "invalid",
    );
  });
}
