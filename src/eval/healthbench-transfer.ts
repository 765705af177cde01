/**
 * Transfer to real HealthBench data: for every model answer a physician saw while writing the
 * ideal completion (`ideal_completions_ref_completions`), does the reward model give the ideal
 * completion the higher reward? Ties count half. Reported overall and per
 * `ideal_completions_group` (HealthBench's groups differ in which reference answers the
 * physician was shown). A model that reads rubrics is also measured with each answer rewarded under
 * the row's own rubric, as it is trained on these pairs and used in rubric-based RL.
 */
import { MedrubricError } from "../core/errors.js";
import type { RewardModel, RewardRequest, RewardScore } from "../core/types.js";
import type { HealthBenchExample } from "../healthbench/schema.js";
import { DEFAULT_BATCH_SIZE, groupBy, preference, scoreBatched } from "./score-batched.js";

export interface WinRate {
  n_pairs: number;
  /** Share of pairs where the ideal completion has the higher reward, ties counted half; null without pairs. */
  win_rate: number | null;
  n_examples: number;
}

export interface TransferReport {
  overall: WinRate;
  by_group: Record<string, WinRate>;
  /** The pairs where the ideal answer is the shorter one (answer length gets every one wrong). */
  shorter_ideal: WinRate;
  /** For a model that reads rubrics: the same, each answer rewarded under the row's own rubric. */
  with_rubric?: { overall: WinRate; by_group: Record<string, WinRate>; shorter_ideal: WinRate };
}

/** HealthBench theme ids are scenario ids of the built-in standard, so the theme tag names the scenario. */
export function themeScenario(tags: readonly string[]): string | null {
  return tags.find((tag) => tag.startsWith("theme:"))?.slice("theme:".length) ?? null;
}

/** Per example, the preference of the ideal completion over each reference it was compared with (no pairs: a win rate of null). */
export function winRate(examples: readonly (readonly number[])[]): WinRate {
  const pairs = examples.flat();
  return {
    n_pairs: pairs.length,
    win_rate: pairs.length === 0 ? null : pairs.reduce((sum, p) => sum + p, 0) / pairs.length,
    n_examples: examples.filter((e) => e.length > 0).length,
  };
}

export async function healthBenchTransfer(
  model: RewardModel,
  examples: readonly HealthBenchExample[],
  batchSize = DEFAULT_BATCH_SIZE,
): Promise<TransferReport> {
  const compared = examples.flatMap((example) => {
    const data = example.ideal_completions_data;
    if (!data || data.ideal_completions_ref_completions.length === 0) return [];
    return [
      {
        example,
        group: data.ideal_completions_group ?? "(none)",
        answers: [data.ideal_completion, ...data.ideal_completions_ref_completions],
      },
    ];
  });
  if (compared.length === 0) throw new MedrubricError("input", "no HealthBench example has an ideal completion with reference completions");
  const requests = (withRubric: boolean): RewardRequest[] =>
    compared.flatMap(({ example, answers }) =>
      answers.map((response) => ({
        prompt: example.prompt,
        response,
        scenario: themeScenario(example.example_tags),
        ...(withRubric ? { rubrics: example.rubrics } : {}),
      })),
    );
  // A model that ignores rubrics scores the same either way: it is asked once.
  const ruled = await scoreBatched(model, requests(true), batchSize);
  const readsRubrics = ruled.every((score) => score.criteria !== undefined);
  const plain = readsRubrics ? await scoreBatched(model, requests(false), batchSize) : ruled;
  return { ...winRates(compared, plain), ...(readsRubrics ? { with_rubric: winRates(compared, ruled) } : {}) };
}

/** Ideal-over-reference preferences from the scores of every compared example's answers, in order. */
function winRates(compared: readonly { group: string; answers: string[] }[], scores: readonly RewardScore[]) {
  let next = 0;
  const outcomes = compared.map(({ group, answers }) => {
    const [ideal, ...references] = scores.slice(next, next + answers.length).map((score) => score.reward);
    next += answers.length;
    const preferences = references.map((reference) => preference(ideal as number, reference));
    const lengths = answers.map((a) => a.length);
    const shorter = preferences.filter((_, i) => (lengths[0] as number) < (lengths[i + 1] as number));
    return { group, preferences, shorter };
  });
  const byGroup = groupBy(outcomes, (outcome) => outcome.group);
  return {
    overall: winRate(outcomes.map((o) => o.preferences)),
    shorter_ideal: winRate(outcomes.map((o) => o.shorter)),
    by_group: Object.fromEntries(
      [...byGroup].sort(([a], [b]) => a.localeCompare(b)).map(([group, of]) => [group, winRate(of.map((o) => o.preferences))]),
    ),
  };
}
