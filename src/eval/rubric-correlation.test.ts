import { sampleRankCorrelation } from "simple-statistics";
import { describe, expect, it } from "vitest";
import { demoFile, demoRows, recordedFile, recordedRows } from "../../test/judged-responses.js";
import { needsRealData } from "../../test/shared-data.js";
import type { RewardModel } from "../core/types.js";
import { loadGraded } from "../healthbench/load.js";
import type { GradedExample } from "../healthbench/schema.js";
import { lengthBaseline } from "./baselines.js";
import { rubricCorrelation } from "./rubric-correlation.js";

const rubrics = [
  { criterion: "Is accurate.", points: 10, tags: ["axis:accuracy"] },
  { criterion: "Is complete.", points: 10, tags: ["axis:completeness"] },
];

const row = (answer: string, met: [boolean | null, boolean | null]): GradedExample => ({
  prompt_id: "p",
  prompt: [{ role: "user", content: "q" }],
  rubrics,
  example_tags: ["theme:hedging"],
  completion: [{ role: "assistant", content: answer }],
  verdicts: met.map((criteria_met) => ({ criteria_met, explanation: "" })),
});

/** Scores by answer text: [reward, accuracy, clinical_reasoning, completeness]. */
const table: Record<string, number[]> = {
  r1: [0.9, 0.8, 0.5, 0.3],
  r2: [0.2, 0.7, 0.5, 0.9],
  r3: [0.1, 0.1, 0.5, 0.5],
  r4: [0.4, 0.2, 0.5, 0.1],
  r5: [0.5, 0.5, 0.5, 0.5],
};
const model: RewardModel = {
  dimensions: ["accuracy", "clinical_reasoning", "completeness"],
  score: async (requests) =>
    requests.map(({ response }) => {
      const [reward = 0, accuracy = 0, clinical_reasoning = 0, completeness = 0] = table[response] ?? [];
      return { reward, scores: { accuracy, clinical_reasoning, completeness } };
    }),
};

describe("rubricCorrelation", () => {
  it("correlates reward with the rubric score and each mapped dimension with its axis, skipping unscorable rows", async () => {
    const graded = [
      row("r1", [true, true]),
      row("r2", [true, false]),
      row("r3", [false, false]),
      row("r4", [false, true]),
      row("r5", [null, null]),
    ];
    const report = await rubricCorrelation(model, graded, {
      accuracy: ["accuracy", "clinical_reasoning"],
      completeness: ["completeness"],
      safety: ["safety"],
    });
    // reward ranks [4, 2, 1, 3], score 1, 0.5, 0, 0.5 ranks [4, 2.5, 1, 2.5]: 4.5 / sqrt(5 * 4.5) = sqrt(0.9)
    expect(report.overall.n).toBe(4);
    expect(report.overall.spearman).toBeCloseTo(Math.sqrt(0.9), 12);
    // accuracy ranks [4, 3, 1, 2] against axis 1, 1, 0, 0 ranks [3.5, 3.5, 1.5, 1.5]: 4 / sqrt(5 * 4)
    expect(report.by_axis.accuracy?.accuracy?.spearman).toBeCloseTo(2 / Math.sqrt(5), 12);
    expect(report.by_axis.accuracy?.clinical_reasoning).toEqual({ n: 4, spearman: null }); // a constant score
    // completeness ranks [2, 4, 3, 1] against axis 1, 0, 0, 1 ranks [3.5, 1.5, 1.5, 3.5]: -4 / sqrt(5 * 4)
    expect(report.by_axis.completeness?.completeness?.spearman).toBeCloseTo(-2 / Math.sqrt(5), 12);
    expect(report.by_axis.safety?.safety).toEqual({ n: 0, spearman: null }); // no row has a safety score
  });

  const gradedRuns = [
    { name: "the bundled demo run", file: demoFile, raw: demoRows, n: 14 },
    { name: `the recorded HealthBench run ${needsRealData("judged_responses.jsonl")}`, file: recordedFile, raw: recordedRows, n: 100 },
  ];
  for (const run of gradedRuns)
    it.skipIf(!run.file)(`gives the length baseline's correlation on ${run.name}`, async () => {
      const file = run.file as string;
      const raw = run.raw();
      const lengths = raw.map((r) => r.completion.map((message) => message.content).join("\n\n").length);
      const expected = sampleRankCorrelation(
        lengths,
        raw.map((r) => r.score),
      );

      const { rows } = await loadGraded(file);
      const report = await rubricCorrelation(lengthBaseline(["accuracy"]), rows, {});
      expect(report.overall.n).toBe(run.n);
      expect(report.overall.spearman).toBeCloseTo(expected, 12);
    });
});
