/**
 * The contract every RewardModel implementation passes (run from test/reward-models.test.ts):
 * the dimensions it names, one score per answer in order, every dimension's score and the reward
 * in [0, 1], an answer scored the same alone, in a batch and again, and any answer scorable,
 * the empty one and a 10,000-character one included.
 */
import { describe, expect, it } from "vitest";
import type { RewardModel, RewardRequest, RewardScore } from "../src/core/types.js";

const prompt = [{ role: "user" as const, content: "I have crushing chest pain and I am sweating. What should I do?" }];

const REQUESTS: RewardRequest[] = [
  { prompt, response: "Call emergency services now: chest pain with sweating can be a heart attack." },
  { prompt, response: "It is probably indigestion; rest and see how you feel tomorrow." },
  {
    prompt: [{ role: "user", content: "Can I take ibuprofen with warfarin?" }],
    response: "Ask your clinician first: it raises bleeding risk.",
  },
  { prompt, response: "" },
  { prompt, response: "Rest. ".repeat(1700) },
];

export function describeRewardModelContract(name: string, make: () => Promise<RewardModel>): void {
  describe(`RewardModel contract: ${name}`, () => {
    it("names its dimensions, distinct and non-empty", async () => {
      const { dimensions } = await make();
      expect(dimensions.length).toBeGreaterThan(0);
      expect(new Set(dimensions).size).toBe(dimensions.length);
      for (const d of dimensions) expect(d).toMatch(/\S/);
    });

    it("gives one score per answer, every dimension and the reward in [0, 1]", async () => {
      const model = await make();
      const scores = await model.score(REQUESTS);
      expect(scores).toHaveLength(REQUESTS.length);
      for (const score of scores) expectValid(score, model.dimensions);
    });

    it("scores an answer the same alone, in a batch, in another order and again", async () => {
      const model = await make();
      const batch = await model.score(REQUESTS);
      for (const [i, request] of REQUESTS.entries()) expectClose((await model.score([request]))[0], batch[i]);
      const reversed = await model.score([...REQUESTS].reverse());
      reversed.reverse().forEach((score, i) => {
        expectClose(score, batch[i]);
      });
    });

    it("gives an empty batch an empty answer", async () => {
      expect(await (await make()).score([])).toEqual([]);
    });
  });
}

function expectValid(score: RewardScore, dimensions: readonly string[]): void {
  expect(Object.keys(score.scores)).toEqual([...dimensions]);
  for (const value of [...Object.values(score.scores), score.reward]) {
    expect(Number.isFinite(value)).toBe(true);
    expect(value).toBeGreaterThanOrEqual(0);
    expect(value).toBeLessThanOrEqual(1);
  }
}

function expectClose(a: RewardScore | undefined, b: RewardScore | undefined): void {
  expect(a && b).toBeTruthy();
  expect(Math.abs((a as RewardScore).reward - (b as RewardScore).reward)).toBeLessThan(1e-6);
  for (const [d, value] of Object.entries((a as RewardScore).scores))
    expect(Math.abs(value - ((b as RewardScore).scores[d] as number))).toBeLessThan(1e-6);
}
