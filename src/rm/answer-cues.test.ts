import { describe, expect, it } from "vitest";
import { answerCues, stem, stemWeights } from "./answer-cues.js";
import { degenerateAnswers, MASTER_KEYS } from "./degenerate-answers.js";
import { buildVocabulary } from "./word-evidence.js";

const weights = stemWeights(buildVocabulary(["chest pain at night", "call emergency services", "rest and fluids"]));
const prompt = "user: I have crushing chest pain and sweating, what should I do?";

describe("answer cues", () => {
  it("stems inflections to one form", () => {
    expect(stem("calling")).toBe(stem("call"));
    expect(["advises", "advised", "advising", "advise"].map(stem)).toEqual(Array(4).fill("advis"));
    expect(stem("services")).toBe(stem("service"));
    expect(stem("allergies")).toBe("allergy");
    expect(stem("less")).toBe("less");
  });

  it("flags every contentless answer and the echoed question as degenerate, and no real answer", () => {
    for (const text of Object.values(MASTER_KEYS)) expect(answerCues(text, prompt, weights).degenerate, JSON.stringify(text)).toBe(true);
    const echo = degenerateAnswers([{ role: "user", content: "I have crushing chest pain and sweating, what should I do?" }]).find(
      (d) => d.kind === "question_echo",
    );
    expect(answerCues(echo?.text ?? "", prompt, weights)).toMatchObject({ degenerate: true, inPrompt: 1 });
    for (const real of ["Call emergency services now.", "Chest pain with sweating can be a heart attack: call 911 and chew an aspirin."]) {
      expect(answerCues(real, prompt, weights).degenerate, real).toBe(false);
    }
  });

  it("reads length, layout and how much of the prompt the answer speaks to", () => {
    const answer = "## What to do\n\n- Call emergency services.\n- Chew an aspirin.\n\nIs the pain spreading to your arm?";
    const cues = answerCues(answer, prompt, weights, 0.7);
    expect(cues.lists).toBeCloseTo(Math.log1p(2), 12);
    expect(cues.headings).toBeCloseTo(Math.log1p(1), 12);
    expect(cues.questions).toBeCloseTo(Math.log1p(1), 12);
    expect(cues.logChars).toBeCloseTo(Math.log(0.1), 12); // under 100 characters: clamped
    expect(answerCues("x".repeat(2999), prompt, weights).logChars).toBeCloseTo(Math.log(3), 12);
    expect(answerCues("x".repeat(99_999), prompt, weights).logChars).toBeCloseTo(Math.log(10), 12);
    expect(cues.relevance).toBe(0.7);
    expect(cues.promptRecall).toBeGreaterThan(0);
    expect(cues.promptRecall).toBeLessThan(answerCues(`${answer} crushing chest pain sweating`, prompt, weights).promptRecall);
  });
});
