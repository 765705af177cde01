/** A verdict's subject for store tests: what a verdict was about, with the prompt and points a graded row needs, defaults filled in. */
import type { VerdictSubject } from "../src/store/store.js";

export const verdictSubject = (fields: Partial<VerdictSubject> = {}): VerdictSubject => ({
  criterionKey: "criterion",
  conversationHash: "conversation",
  answer: `answer of ${fields.conversationHash ?? "conversation"}`,
  criterion: "Mentions apples.",
  points: 1,
  tags: [],
  promptHash: "prompt",
  prompt: [{ role: "user", content: "What fruit?" }],
  promptId: null,
  ...fields,
});
