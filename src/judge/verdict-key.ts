/**
 * The one place a verdict's keys are derived, for `grade`, the reward server and the hybrid's
 * memory alike, so a verdict one of them paid for is found by the others:
 * - the cache key: hash(judge and its settings, grader prompt version, conversation, `[points] criterion`);
 * - the criterion key: hash(judge, grader prompt version, prompt, `[points] criterion`), the same for
 *   every answer to the prompt, under which the hybrid's memory finds the verdicts other answers got;
 * - the answer key, naming an answer to a rubric in a run's records.
 * The conversation (prompt and completion) enters through its own hash, computed once per answer.
 */
import { hashJson } from "../core/hash.js";
import type { ChatMessage, Judge, RubricItem } from "../core/types.js";
import type { VerdictSubject } from "../store/store.js";

type Criterion = Pick<RubricItem, "points" | "criterion"> & { tags?: readonly string[] };

export interface AnswerToGrade {
  /** The prompt's id where the answer comes with one (a HealthBench row); null otherwise. */
  promptId: string | null;
  prompt: readonly ChatMessage[];
  rubrics: readonly Criterion[];
  completion: readonly ChatMessage[];
}

export function criterionKey(judge: Pick<Judge, "id" | "promptVersion">, promptHash: string, item: Criterion): string {
  return hashJson(["criterion", judge.id, judge.promptVersion, promptHash, item.points, item.criterion]);
}

export function verdictCacheKey(judge: Pick<Judge, "id" | "promptVersion">, conversationHash: string, item: Criterion): string {
  return hashJson([judge.id, judge.promptVersion, conversationHash, item.points, item.criterion]);
}

/** An answer's hashes and conversation, each computed once and only when first needed. */
export function verdictKeys(judge: Pick<Judge, "id" | "promptVersion">, answer: AnswerToGrade) {
  const conversationHash = once(() => hashJson([answer.prompt, answer.completion]));
  const promptHash = once(() => hashJson(answer.prompt));
  return {
    conversationHash,
    criterionKey: (item: Criterion) => criterionKey(judge, promptHash(), item),
    /** What a verdict on `item` for this answer is about, as the store keeps it. */
    subject: (item: Criterion): VerdictSubject => ({
      criterionKey: criterionKey(judge, promptHash(), item),
      conversationHash: conversationHash(),
      answer: answerText(answer.completion),
      criterion: item.criterion,
      points: item.points,
      tags: item.tags ?? [],
      promptHash: promptHash(),
      prompt: answer.prompt,
      promptId: answer.promptId,
    }),
    answerKey: once(() => hashJson([answer.promptId, conversationHash(), answer.rubrics.map((item) => [item.points, item.criterion])])),
    cacheKey: (item: Criterion) => verdictCacheKey(judge, conversationHash(), item),
    conversation: once((): ChatMessage[] => [...answer.prompt, ...answer.completion]),
  };
}

export type VerdictKeys = ReturnType<typeof verdictKeys>;

/** The text of a completion, as the hybrid's memory compares answers. */
export function answerText(completion: readonly ChatMessage[]): string {
  return completion.map((message) => message.content).join("\n\n");
}

function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}
