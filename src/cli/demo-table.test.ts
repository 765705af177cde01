import { describe, expect, it } from "vitest";
import type { ModelEvalFile, RmEvalReportFile } from "../report/result-schemas.js";
import { formatDemoTable, SMALL_N } from "./demo-table.js";

const order = (n: number, triple: number) => ({
  n,
  good_over_medium: 0.5,
  medium_over_poor: 0.5,
  good_over_poor: 0.7,
  triple_order: triple,
});

// The shape the demo's evaluation has: graded answers one per prompt, so the within-prompt measures rest on nothing.
const model = (triple: number, criteria: boolean): ModelEvalFile => ({
  units: { overall: order(53, triple), by_dimension: { safety: order(2, 1) }, scores: { good: [], medium: [], poor: [] } },
  transfer: {
    overall: { n_pairs: 64, win_rate: 0.6, n_examples: 28 },
    by_group: { "Group 1": { n_pairs: 0, win_rate: null, n_examples: 0 } },
  },
  correlation: { overall: { n: 14, spearman: 0.25 }, by_axis: {} },
  agreement: {
    pairwise: { n_pairs: 0, n_prompts: 0, accuracy: null },
    best_of_n: { n_prompts: 0, gain_share: null },
    spearman: { n_prompts: 0, mean: null },
    ...(criteria ? { criteria: { n: 91, accuracy: 0.7, macro_f1: 0.66, auc: 0.7 } } : {}),
  },
  probes: { overall: { n: 231, pass_rate: 0.8 }, by_kind: { echo: { n: 33, pass_rate: 1 } } },
});

const report: RmEvalReportFile = {
  models: { length: model(0.396, false), gprc: model(0.585, true) },
  data: { n_units: 53, n_healthbench: 28, n_graded: 14, n_probes: 33 },
};

describe("the demo's table", () => {
  const text = formatDemoTable(report, { json: "out/rm-eval.json", html: "out/rm-eval.html" });
  const lines = text.split("\n");

  it("puts the trained model's row first, then chance and n, and says higher is better", () => {
    const header = lines.findIndex((line) => line.startsWith("model "));
    expect(lines[header + 1]).toMatch(/^gprc\s+0\.585\s/);
    expect(lines[header + 2]).toMatch(/^length\s+0\.396\s/);
    expect(lines[header + 3]).toMatch(/^chance\s+0\.167\s+0\.500\s/);
    expect(lines[header + 4]).toMatch(/^n\s+53\s+53\s+64\s+14\*\s+91\s+91\s+231$/);
    expect(text).toContain("Higher is better in every column");
    expect(text).toContain("gprc, the first row, is the reward model the demo trained");
  });

  it("explains every column, leaves out measures with no data and the per-dimension rows, and marks small samples", () => {
    expect(lines.filter((line) => /^ {2}\(\d\) /.test(line))).toEqual([
      "  (1) held-out units: good > medium > poor (n = 53, chance 0.167)",
      "  (2) held-out units: good > poor (n = 53, chance 0.500)",
      "  (3) HealthBench: the physician's ideal answer wins (n = 64, chance 0.500)",
      "  (4) graded answers: Spearman(reward, rubric score) (n = 14, chance 0.000)",
      "  (5) rubric criteria: macro F1 against the grader's verdicts (n = 91, chance 0.500)",
      "  (6) rubric criteria: AUC of P(met) against the grader's verdicts (n = 91, chance 0.500)",
      "  (7) robustness probes passed (n = 231, chance 0.500)",
    ]);
    expect(text).not.toContain("n/a");
    expect(text).not.toContain("safety");
    expect(text).toContain(`* fewer than ${SMALL_N} cases`);
    expect(text).toContain("- no value: the baselines do not read rubrics");
    expect(text).toContain("gprc: the trained GPRC reward model");
    expect(text).toContain(
      "The full table (per dimension, per HealthBench group, every probe): out/rm-eval.json; with charts: out/rm-eval.html",
    );
  });
});
