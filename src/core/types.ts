/**
 * The small shared vocabulary: chat messages, rubric items and verdicts. Schemas are zod
 * (validated at every boundary), types are inferred from them.
 */
import { z } from "zod";

export const chatMessageSchema = z.object({
  role: z.enum(["system", "developer", "user", "assistant"]),
  content: z.string(),
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;

export const conversationSchema = z.array(chatMessageSchema).min(1, "must have at least one message");

export const rubricItemSchema = z.object({
  criterion: z.string().min(1, "must not be empty"),
  points: z.number().finite(),
  tags: z
    .array(z.string())
    .default([])
    .refine((tags) => new Set(tags).size === tags.length, "has a tag twice"),
});
export type RubricItem = z.infer<typeof rubricItemSchema>;

/**
 * A grader's decision on one rubric item; for negative-point items "met" means the undesirable
 * behaviour is present. `criteria_met: null` records a judge failure: never counted as "not
 * met", the item is left out of the score.
 */
export const verdictSchema = z.object({
  criteria_met: z.boolean().nullable(),
  explanation: z.string().default(""),
  failure: z.string().optional(),
});
export type Verdict = z.infer<typeof verdictSchema>;

export interface JudgeInput {
  /** The whole conversation, the graded response as its last turn(s). */
  conversation: readonly ChatMessage[];
  item: Pick<RubricItem, "points" | "criterion">;
  /** Aborts the call (its request deadline passed, or nobody waits for it any more): it then fails at once, unanswered. */
  signal?: AbortSignal;
}

/** A judge either gives a verdict or fails; a failure is never a verdict of "not met". */
export type JudgeOutcome =
  | { ok: true; verdict: { criteria_met: boolean; explanation: string }; promptTokens: number; completionTokens: number }
  /** `unanswered`: the request itself failed (unreachable, timed out, refused), as opposed to an unusable answer. */
  | { ok: false; failure: string; unanswered?: boolean };

export interface Judge {
  readonly model: string;
  /** The model and its sampling settings, canonical: part of every verdict's cache key. */
  readonly id: string;
  /** Identifies the grading instructions; part of every verdict's cache key. */
  readonly promptVersion: string;
  grade(input: JudgeInput): Promise<JudgeOutcome>;
}

/** A frozen text encoder: L2-normalised vectors of `dim` numbers, one per text, in order. */
export interface Encoder {
  /** Identifies the encoder and its weights, e.g. `use-lite@0.2.0`; part of every embedding's cache key. */
  readonly id: string;
  readonly dim: number;
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}

/** A rubric criterion as a reward request carries it (HealthBench's item shape; tags optional). */
export type RequestCriterion = Pick<RubricItem, "criterion" | "points"> & { tags?: readonly string[] };

/** An item's rubric in a reward request: HealthBench items, at least one with positive points. */
export const requestRubricsSchema = z
  .array(rubricItemSchema)
  .min(1, "must have at least one criterion")
  .refine((items) => items.some((item) => item.points > 0), "no criterion has positive points, so the rubric cannot be scored");

/**
 * One answer to score: the conversation so far, the answer, and optionally its scenario (for the
 * weights) and the item's own rubric (then the reward is the rubric's HealthBench score).
 */
export interface RewardRequest {
  prompt: readonly ChatMessage[];
  response: string;
  scenario?: string | null;
  rubrics?: readonly RequestCriterion[] | null;
}

export interface RewardScore {
  /** Calibrated score in [0, 1] per dimension id. */
  scores: Record<string, number>;
  /**
   * The reward: with a rubric, its HealthBench score under `criteria` (points of the criteria
   * expected met over the positive points); without, the scenario-weighted mean of the scores.
   */
  reward: number;
  /** With a rubric: P(met) per criterion, in its order (for a negative criterion, P(the fault is present)). */
  criteria?: number[];
}

export interface RewardModel {
  /** Dimension ids, in the order of the standard. */
  readonly dimensions: readonly string[];
  score(requests: readonly RewardRequest[]): Promise<RewardScore[]>;
}
