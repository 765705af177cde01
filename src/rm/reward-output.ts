/**
 * The rows `medrubric reward` writes, one schema shared by that writer and its readers (the
 * report's `--rewards`): the request's id, a calibrated score per dimension, the reward, and with
 * a rubric the model's P(met) per criterion in the rubric's order.
 */
import { z } from "zod";

const probability = z.number().min(0).max(1);

export const rewardOutputRowSchema = z.object({
  id: z.union([z.string(), z.number()]),
  scores: z.record(z.string(), probability),
  reward: z.number(),
  criteria: z.array(probability).optional(),
});

export type RewardOutputRow = z.input<typeof rewardOutputRowSchema>;
