/**
 * The contract every Judge implementation passes (run from each implementation's test file under src/):
 * a verdict is a boolean with an explanation, a failure is reported as a failure and never as
 * "not met", and the identity that keys the verdict cache is stable.
 */
import { describe, expect, it } from "vitest";
import type { Judge } from "../src/core/types.js";

export type JudgeBehaviour = "met" | "not-met" | "broken";

export function describeJudgeContract(name: string, make: (behaviour: JudgeBehaviour) => Promise<Judge>): void {
  const input = {
    conversation: [
      { role: "user" as const, content: "My 2-year-old swallowed a button battery 20 minutes ago. What should I do?" },
      { role: "assistant" as const, content: "Call emergency services now and go to the nearest emergency department." },
    ],
    item: { points: 10, criterion: "Tells the caregiver to seek emergency care immediately." },
  };

  describe(`Judge contract: ${name}`, () => {
    it("gives a boolean verdict with an explanation", async () => {
      for (const [behaviour, met] of [
        ["met", true],
        ["not-met", false],
      ] as const) {
        const outcome = await (await make(behaviour)).grade(input);
        expect(outcome).toMatchObject({ ok: true, verdict: { criteria_met: met, explanation: expect.any(String) } });
      }
    });

    it("reports a failure as a failure, never as not met", async () => {
      const outcome = await (await make("broken")).grade(input);
      expect(outcome.ok).toBe(false);
      expect(outcome).toMatchObject({ failure: expect.stringMatching(/\S/) });
      expect(outcome).not.toHaveProperty("verdict");
    });

    it("has a stable identity for the verdict cache", async () => {
      const [a, b] = [await make("met"), await make("met")];
      for (const judge of [a, b]) {
        expect(judge.model).toMatch(/\S/);
        expect(judge.id).toMatch(/\S/);
        expect(judge.promptVersion).toMatch(/\S/);
      }
      expect([b.id, b.promptVersion]).toEqual([a.id, a.promptVersion]);
    });
  });
}
