/**
 * Master-key probes on graded prompts: each degenerate answer (degenerate-answers.ts: a lone ":",
 * "Thought process:", a bare step-by-step opener, an empty answer, the question echoed, a bare
 * refusal, another prompt's answer) against every real answer to the prompt, with the rubric in
 * the request and without it. A probe "beats" a real answer when its reward is higher (a tie
 * counts half); a reward that RL can trust keeps every kind under 5% of pairs in both modes.
 */
import type { RewardModel, RewardRequest } from "../core/types.js";
import { completionText, type GradedExample, gradedPromptKey } from "../healthbench/schema.js";
import { DEGENERATE_KINDS, type DegenerateKind, degenerateAnswers } from "../rm/degenerate-answers.js";
import { DEFAULT_BATCH_SIZE, groupBy, scoreBatched } from "./score-batched.js";

export interface MasterKeyRate {
  /** Pairs of (probe, real answer) compared in each mode. */
  n: number;
  beats_with_rubric: number | null;
  beats_without_rubric: number | null;
}

export type MasterKeyReport = Record<DegenerateKind, MasterKeyRate>;

/** The most a probe may beat real answers by before the reward is steering RL toward junk. */
export const MASTER_KEY_LIMIT = 0.05;

export async function masterKeyProbes(
  model: RewardModel,
  graded: readonly GradedExample[],
  batchSize = DEFAULT_BATCH_SIZE,
): Promise<MasterKeyReport> {
  const prompts = [...groupBy(graded, gradedPromptKey).values()];
  const cases = prompts.flatMap((rows, i) => {
    const other = prompts[(i + 1) % prompts.length]?.[0];
    const first = rows[0] as GradedExample;
    const otherAnswer = other && other !== first && prompts.length > 1 ? completionText(other.completion) : undefined;
    const real = rows.map((row) => completionText(row.completion));
    return degenerateAnswers(first.prompt, otherAnswer).map((probe) => ({ row: first, probe, real }));
  });
  const requestsOf = (withRubric: boolean): RewardRequest[] =>
    cases.flatMap(({ row, probe, real }) =>
      [probe.text, ...real].map((response) => ({ prompt: row.prompt, response, ...(withRubric ? { rubrics: row.rubrics } : {}) })),
    );
  const beats = async (withRubric: boolean) => {
    const rewards = (await scoreBatched(model, requestsOf(withRubric), batchSize)).map((s) => s.reward);
    let next = 0;
    return cases.map(({ probe, real }) => {
      const [probeReward, ...realRewards] = rewards.slice(next, next + real.length + 1) as number[];
      next += real.length + 1;
      const wins = realRewards.map((r) => ((probeReward as number) > r ? 1 : probeReward === r ? 0.5 : 0) as number);
      return { kind: probe.kind, wins };
    });
  };
  const [withRubric, withoutRubric] = [await beats(true), await beats(false)];
  const rate = (outcomes: typeof withRubric, kind: DegenerateKind) => {
    const wins = outcomes.filter((o) => o.kind === kind).flatMap((o) => o.wins);
    return { n: wins.length, share: wins.length === 0 ? null : wins.reduce((a, b) => a + b, 0) / wins.length };
  };
  return Object.fromEntries(
    DEGENERATE_KINDS.map((kind) => {
      const a = rate(withRubric, kind);
      return [kind, { n: a.n, beats_with_rubric: a.share, beats_without_rubric: rate(withoutRubric, kind).share }];
    }),
  ) as MasterKeyReport;
}
