/**
 * The HealthBench example (upstream keys, MIT data from openai/simple-evals) and the graded
 * row medrubric reads and writes: an example plus the graded completion and one verdict per
 * rubric item (the judged_responses format).
 */
import { z } from "zod";
import { type ChatMessage, conversationSchema, rubricItemSchema, verdictSchema } from "../core/types.js";

const rubricsSchema = z
  .array(rubricItemSchema)
  .min(1, "must have at least one rubric item")
  .refine((items) => items.some((item) => item.points > 0), "no rubric item has positive points, so it cannot be scored")
  .refine(
    scoresStayFinite,
    "the points are too large to score (their sum, or a score of any subset of items, overflows to Infinity or NaN); HealthBench points are small integers",
  );

/**
 * Every score is a sum of met points over a sum of positive points, for the whole rubric or any
 * subset (a tag's items, the items left after judge failures); all stay finite when the sum of
 * |points| and that sum over the smallest positive points do. 1e308 points would give NaN.
 */
export function scoresStayFinite(items: readonly { points: number }[]): boolean {
  let total = 0;
  let smallestPositive = Number.POSITIVE_INFINITY;
  for (const { points } of items) {
    total += Math.abs(points);
    if (points > 0) smallestPositive = Math.min(smallestPositive, points);
  }
  return Number.isFinite(total) && Number.isFinite(total / smallestPositive);
}

export const idealCompletionsSchema = z.object({
  ideal_completion: z.string(),
  ideal_completions_group: z.string().optional(),
  ideal_completions_ref_completions: z.array(z.string()).default([]),
});

const uniqueTags = z.array(z.string()).refine((tags) => new Set(tags).size === tags.length, "has a tag twice");

export const exampleSchema = z.object({
  prompt_id: z.string().min(1, "must not be empty"),
  prompt: conversationSchema,
  rubrics: rubricsSchema,
  example_tags: uniqueTags.default([]),
  ideal_completions_data: idealCompletionsSchema.nullish(),
  canary: z.string().optional(),
});
export type HealthBenchExample = z.infer<typeof exampleSchema>;

export const gradedExampleSchema = exampleSchema
  .extend({
    completion: conversationSchema,
    /** Tells apart several graded completions of one prompt (HealthBench's meta-eval rows have it). */
    completion_id: z.string().min(1, "must not be empty").optional(),
    verdicts: z.array(verdictSchema),
  })
  .superRefine(({ rubrics, verdicts }, ctx) => {
    if (verdicts.length !== rubrics.length) {
      ctx.addIssue({
        code: "custom",
        path: ["verdicts"],
        message: `has ${verdicts.length} verdicts for ${rubrics.length} rubric items`,
      });
    }
  });
export type GradedExample = z.infer<typeof gradedExampleSchema>;

/** The graded answer as one text: its turns joined. */
/** The prompt a graded row answers: its id and conversation (rows that share it are answers to one prompt). */
export const gradedPromptKey = (row: { prompt_id: string; prompt: readonly ChatMessage[] }) => JSON.stringify([row.prompt_id, row.prompt]);

export function completionText(completion: GradedExample["completion"]): string {
  return completion.map((message) => message.content).join("\n\n");
}

/** Text length of a completion, the `length` of the length-adjusted score. */
export function completionLength(completion: GradedExample["completion"]): number {
  return completion.reduce((total, message) => total + message.content.length, 0);
}

/** A model's answer to an example, to be graded: `{"prompt_id", "completion": [messages]}`. */
export const responseRowSchema = z.object({
  prompt_id: z.string().min(1, "must not be empty"),
  completion: conversationSchema,
});

/** A prompt to write a rubric for: an example without rubrics. */
export const promptRowSchema = z.object({
  prompt_id: z.string().min(1, "must not be empty"),
  prompt: conversationSchema,
  example_tags: uniqueTags.default([]),
});
