/**
 * A scripted grader for the OpenAI stand-in: a criterion "Mentions WORD." is met when WORD is in
 * the conversation the grader prompt shows, so tests know every verdict in advance. Also the
 * criterion of a rendered grader prompt, for fault schedules aimed at one criterion.
 */
import type { ChatCompletionBody } from "./openai-standin.js";

/** The `[points] criterion` line of a rendered grader prompt. */
export function criterionOf(body: ChatCompletionBody): string {
  const text = body.messages[0]?.content ?? "";
  return /# Rubric item\s+\[[^\]]*\] (.*)/.exec(text)?.[1] ?? "";
}

export function keywordVerdict(body: ChatCompletionBody): string {
  const text = body.messages[0]?.content ?? "";
  const end = text.indexOf("# Rubric item");
  const shown = text.slice(text.lastIndexOf("# Conversation", end), end);
  const word = /^Mentions (\w+)/.exec(criterionOf(body))?.[1];
  const met = word !== undefined && shown.includes(word);
  return JSON.stringify({ explanation: met ? `It mentions ${word}.` : "It does not.", criteria_met: met });
}

/** The numbered criteria of a rendered whole-rubric grader prompt (`--judge-style rubric`), in order. */
export function criteriaOf(body: ChatCompletionBody): string[] {
  const text = body.messages[0]?.content ?? "";
  const list = text.slice(text.indexOf("# Rubric items"), text.indexOf("# How to grade"));
  return [...list.matchAll(/^\d+\. \[[^\]]*\] (.*)$/gm)].map((m) => m[1] as string);
}

/** keywordVerdict for every item of a whole-rubric grader prompt, as one answer. */
export function keywordRubricVerdicts(body: ChatCompletionBody): string {
  const text = body.messages[0]?.content ?? "";
  const shown = text.slice(text.lastIndexOf("# Conversation", text.indexOf("# Rubric items")), text.indexOf("# Rubric items"));
  const verdicts = criteriaOf(body).map((criterion, i) => {
    const word = /^Mentions (\w+)/.exec(criterion)?.[1];
    return { item: i + 1, explanation: "keyword", criteria_met: word !== undefined && shown.includes(word) };
  });
  return JSON.stringify({ verdicts });
}
