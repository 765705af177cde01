import { describe, expect, it } from "vitest";
import { fitLengthTerm, lengthCorrelation } from "./length-term.js";

describe("the length term", () => {
  it("brings the reward's within-prompt correlation with length down to the grader's, never up", () => {
    // Two prompts of five answers: the reward is length plus a little content; the grader cares mostly for content.
    const length = [100, 200, 400, 800, 1600, 150, 300, 600, 1200, 2400];
    const content = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3];
    const logLength = length.map((n) => Math.log(n / 1000));
    const answers = {
      prompts: [
        [0, 1, 2, 3, 4],
        [5, 6, 7, 8, 9],
      ],
      length,
      logLength,
    };
    const reward = logLength.map((l, i) => 2 * l + 0.1 * (content[i] as number));
    const grader = content.map((c, i) => c + 0.5 * (logLength[i] as number));
    const fit = fitLengthTerm(answers, reward, grader);
    expect(fit.before).toBeCloseTo(1, 9);
    expect(fit.k).toBeLessThan(0);
    // Ranks move in steps: the smallest term that reaches the grader's correlation, and a little less does not.
    const at = (k: number) =>
      lengthCorrelation(
        answers,
        reward.map((r, i) => r + k * (logLength[i] as number)),
      ) as number;
    expect(at(fit.k)).toBe(fit.after);
    expect(fit.after).toBeLessThanOrEqual(fit.grader as number);
    expect(at(fit.k * 0.99)).toBeGreaterThan(fit.grader as number);
    // A reward that already cares less for length than the grader keeps k = 0.
    expect(
      fitLengthTerm(
        answers,
        content,
        grader.map((_, i) => logLength[i] as number),
      ).k,
    ).toBe(0);
  });
});
