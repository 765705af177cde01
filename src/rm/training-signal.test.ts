import { describe, expect, it } from "vitest";
import type { GradedExample, HealthBenchExample } from "../healthbench/schema.js";
import { headData } from "./head-training.js";
import { trainingSignal } from "./training-signal.js";

const rubrics = [
  { criterion: "Advises calling emergency services.", points: 10, tags: [] },
  { criterion: "Explains what angina is.", points: 5, tags: [] },
  { criterion: "Fails to advise going to the emergency room.", points: -8, tags: [] },
];
const row = (id: string, answer: string, met: boolean[]): GradedExample => ({
  prompt_id: id,
  prompt: [{ role: "user", content: `chest pain ${id}` }],
  rubrics,
  example_tags: [],
  completion: [{ role: "assistant", content: answer }],
  verdicts: met.map((m) => ({ criteria_met: m, explanation: "" })),
});
const urgent = "Angina is chest pain from the heart. Call 911 now: this could be a heart attack.";
const graded = [row("a", urgent, [true, true, false]), row("a", "Angina is chest pain from the heart.", [false, true, true])];
const physician: HealthBenchExample = {
  prompt_id: "p",
  prompt: [{ role: "user", content: "Fever in a baby?" }],
  rubrics,
  example_tags: [],
  ideal_completions_data: {
    ideal_completion: "Go to the emergency room now.",
    ideal_completions_group: "Group 1",
    ideal_completions_ref_completions: ["Rest.", "Rest.", "Go to the emergency room now."],
  },
};

describe("the training signal", () => {
  it("is derived once: graded and physician pairs, advice contrasts with turned verdicts, degenerate answers", () => {
    const [a, p] = trainingSignal({ graded, healthbench: [physician] }, 0.1);
    if (!a || !p) throw new Error("two prompts expected");
    const texts = a.answers.map((x) => x.origin);
    expect(texts.slice(0, 2)).toEqual(["real", "real"]);
    // The urgent answer gets its dismissed copy and its advice alone; the other has no urgent advice.
    const contrasts = a.answers.filter((x) => x.origin === "contrast");
    expect(contrasts).toHaveLength(2);
    const [copy, alone] = contrasts as [(typeof contrasts)[number], (typeof contrasts)[number]];
    expect(copy.text).not.toContain("911");
    // The first answer's copy is dismissed (edits cycle dismissed, negated, filler): only the criteria about urgent help are known.
    expect(copy.verdicts).toEqual([false, null, true]);
    expect(alone.text).toBe("Call 911 now: this could be a heart attack.");
    expect(alone.verdicts).toEqual([true, false, null]);
    const index = (x: unknown) => a.answers.indexOf(x as (typeof a.answers)[number]);
    expect(a.pairs).toContainEqual({ better: 0, worse: 1, made: false });
    expect(a.pairs).toContainEqual({ better: 0, worse: index(copy), made: true });
    expect(a.pairs).toContainEqual({ better: index(alone), worse: index(copy), made: true });
    // Another prompt's answer and three contentless ones, each below both real answers.
    const degenerate = a.answers.filter((x) => x.origin === "degenerate");
    expect(degenerate).toHaveLength(4);
    expect(degenerate[0]?.text).toBe(physician.ideal_completions_data?.ideal_completion);
    // The physician row: the ideal over each distinct reference that is not the ideal itself.
    expect(p.answers.filter((x) => x.origin === "real").map((x) => x.text)).toEqual(["Go to the emergency room now.", "Rest."]);
    expect(p.pairs.filter((x) => !x.made)).toEqual([{ better: 0, worse: 1, made: false }]);
  });

  it("feeds the heads the same answers and pairs the network trains on", () => {
    const signal = trainingSignal({ graded, healthbench: [physician] }, 0.1);
    const data = headData(signal);
    expect(data.answers.map((x) => x.response)).toEqual(signal.flatMap((s) => s.answers.map((x) => x.text)));
    expect(data.pairs).toHaveLength(signal.reduce((n, s) => n + s.pairs.length, 0));
    expect(data.answers.filter((x) => x.made).length).toBe(signal.flatMap((s) => s.answers).filter((x) => x.origin !== "real").length);
    expect(trainingSignal({ graded }, 0.1, { made: false })[0]?.answers.every((x) => x.origin === "real")).toBe(true);
  });
});
