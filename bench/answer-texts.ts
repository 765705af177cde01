/** Distinct, answer-like texts of about 400 characters for the encoder and reward-model benchmarks. */
import { createRng } from "../src/core/random.js";

const OPENINGS = ["Call emergency services now.", "This is usually not serious.", "See your doctor this week.", "Stop the medicine."];
const FINDINGS = ["chest pain", "a fever of 39 C", "a new rash", "shortness of breath", "dizziness", "a bad headache"];

/** `count` texts, the same for the same seed. */
export function answerTexts(count: number, seed: number): string[] {
  const random = createRng(seed);
  const pick = (words: readonly string[]) => words[Math.floor(random() * words.length)] as string;
  return Array.from({ length: count }, (_, i) => {
    let text = `Answer ${i}. ${pick(OPENINGS)}`;
    while (text.length < 380) text += ` With ${pick(FINDINGS)} for ${1 + Math.floor(random() * 14)} days, ${pick(OPENINGS).toLowerCase()}`;
    return text;
  });
}
