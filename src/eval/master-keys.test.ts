import { describe, expect, it } from "vitest";
import type { GradedExample } from "../healthbench/schema.js";
import { DEGENERATE_KINDS } from "../rm/degenerate-answers.js";
import { lengthBaseline } from "./baselines.js";
import { masterKeyProbes } from "./master-keys.js";

const row = (id: string, question: string, answer: string): GradedExample => ({
  prompt_id: id,
  prompt: [{ role: "user", content: question }],
  example_tags: [],
  rubrics: [{ criterion: "Answers the question.", points: 5, tags: [] }],
  completion: [{ role: "assistant", content: answer }],
  verdicts: [{ criteria_met: true, explanation: "" }],
});

describe("master-key probes", () => {
  it("count, per kind and mode, the share of real answers a probe outscores (ties half)", async () => {
    // Answer length is the reward: a probe beats the real answers shorter than it.
    const graded = [
      row("a", "What should I do about a mild fever at home?", "Rest more."),
      row("a", "What should I do about a mild fever at home?", "x".repeat(100)),
      row("b", "Can I take ibuprofen with food?", "y".repeat(60)),
      row("b", "Can I take ibuprofen with food?", "z".repeat(200)),
    ];
    const report = await masterKeyProbes(lengthBaseline(["d"]), graded);
    expect(Object.keys(report)).toEqual([...DEGENERATE_KINDS]);
    for (const kind of ["empty", "colon", "solution_opener"] as const) {
      expect(report[kind]).toEqual({ n: 4, beats_with_rubric: 0, beats_without_rubric: 0 });
    }
    // 16 and 38 characters: above the 10 of "Rest more." only.
    for (const kind of ["thought_process", "step_by_step", "refusal"] as const) expect(report[kind].beats_with_rubric).toBe(1 / 4);
    // Echo of a (44 characters) beats "Rest more."; echo of b (31) beats nothing.
    expect(report.question_echo).toEqual({ n: 4, beats_with_rubric: 1 / 4, beats_without_rubric: 1 / 4 });
    // For a: b's first answer (60) beats "Rest more." only; for b: a's first answer (10) beats nothing.
    expect(report.other_question.beats_without_rubric).toBe(1 / 4);
  });
});
