import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { RewardModel, RewardRequest } from "../core/types.js";
import { loadExamples } from "../healthbench/load.js";
import type { HealthBenchExample } from "../healthbench/schema.js";
import { lengthBaseline } from "./baselines.js";
import { healthBenchTransfer, themeScenario } from "./healthbench-transfer.js";

const example = (id: string, ideal?: { ideal: string; refs: string[]; group?: string }): HealthBenchExample => ({
  prompt_id: id,
  prompt: [{ role: "user", content: `question ${id}` }],
  rubrics: [{ criterion: "c", points: 1, tags: [] }],
  example_tags: ["physician_agreed_category:x", "theme:hedging"],
  ideal_completions_data: ideal && {
    ideal_completion: ideal.ideal,
    ideal_completions_group: ideal.group,
    ideal_completions_ref_completions: ideal.refs,
  },
});

/** Reward by a lookup table of answer texts. */
function rewardTable(table: Record<string, number>, calls: RewardRequest[] = []): RewardModel {
  return {
    dimensions: ["accuracy"],
    score: async (requests) => {
      calls.push(...requests);
      return requests.map(({ response }) => ({ scores: { accuracy: 0 }, reward: table[response] ?? Number.NaN }));
    },
  };
}

describe("healthBenchTransfer", () => {
  it("counts the ideal completion's wins over each reference, ties half, overall and per group", async () => {
    const examples = [
      example("e1", { ideal: "i1", refs: ["r1a", "r1b", "r1c"], group: "Group 1" }),
      example("e2", { ideal: "i2", refs: ["r2a"], group: "Group 2" }),
      example("e3"), // no ideal data
      example("e4", { ideal: "i4", refs: [], group: "Group 1" }), // nothing to compare with
    ];
    const table = { i1: 0.6, r1a: 0.4, r1b: 0.6, r1c: 0.8, i2: 0.9, r2a: 0.1 };
    const calls: RewardRequest[] = [];
    const report = await healthBenchTransfer(rewardTable(table, calls), examples);
    // e1: win, tie, loss = 1.5 of 3; e2: 1 of 1
    expect(report.overall).toEqual({ n_pairs: 4, win_rate: 2.5 / 4, n_examples: 2 });
    expect(report.by_group).toEqual({
      "Group 1": { n_pairs: 3, win_rate: 0.5, n_examples: 1 },
      "Group 2": { n_pairs: 1, win_rate: 1, n_examples: 1 },
    });
    expect(calls.map((request) => request.scenario)).toEqual(Array(6).fill("hedging"));
    expect(report.with_rubric).toBeUndefined();
  });

  it("measures a model that reads rubrics both ways: by the dimensions, and under each row's own rubric", async () => {
    const examples = [example("e1", { ideal: "i1", refs: ["r1a", "r1b"], group: "Group 1" })];
    const byDimensions: Record<string, number> = { i1: 0.2, r1a: 0.5, r1b: 0.1 };
    const byRubric: Record<string, number> = { i1: 0.9, r1a: 0.5, r1b: 0.1 };
    const model: RewardModel = {
      dimensions: ["a"],
      score: async (requests) =>
        requests.map((r) =>
          r.rubrics
            ? { scores: { a: 0 }, reward: byRubric[r.response] as number, criteria: r.rubrics.map(() => 0.5) }
            : { scores: { a: 0 }, reward: byDimensions[r.response] as number },
        ),
    };
    const report = await healthBenchTransfer(model, examples);
    expect(report.overall.win_rate).toBe(0.5);
    expect(report.with_rubric?.overall).toEqual({ n_pairs: 2, win_rate: 1, n_examples: 1 });
  });

  it("reads the scenario from the theme tag", () => {
    expect(themeScenario(["physician_agreed_category:x", "theme:emergency_referrals"])).toBe("emergency_referrals");
    expect(themeScenario([])).toBeNull();
  });

  it("gives the length baseline's win rate on real HealthBench rows", async () => {
    const file = "data/healthbench/context_seeking_consensus_hard_104.jsonl";
    const raw = readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map(
        (line) =>
          JSON.parse(line) as { ideal_completions_data?: { ideal_completion: string; ideal_completions_ref_completions: string[] } },
      );
    const ideal = raw.flatMap((row) => (row.ideal_completions_data ? [row.ideal_completions_data] : []));
    expect(ideal).toHaveLength(101);
    const pairs = ideal.flatMap((data) => data.ideal_completions_ref_completions.map((ref) => [data.ideal_completion.length, ref.length]));
    const wins = pairs.reduce((sum, [a = 0, b = 0]) => sum + (a > b ? 1 : a === b ? 0.5 : 0), 0);

    const { rows } = await loadExamples(file);
    const report = await healthBenchTransfer(lengthBaseline(["accuracy"]), rows);
    expect(report.overall.n_pairs).toBe(pairs.length);
    expect(report.overall.win_rate).toBe(wins / pairs.length);
    expect(report.overall.n_examples).toBe(ideal.filter((data) => data.ideal_completions_ref_completions.length > 0).length);
    expect(Object.values(report.by_group).reduce((sum, group) => sum + group.n_pairs, 0)).toBe(pairs.length);
  });
});
