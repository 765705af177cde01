/**
 * `--judge-style rubric`: the criteria of one answer graded in one judge call (as RuscaRL and
 * Rubrics as Rewards' implicit mode do), behind the same per-criterion `Judge` interface, so the
 * verdict-lease protocol, the cache and the server are unchanged. Criteria of the same
 * conversation asked for within GATHER_MS of the first (the broker and `grade` start an answer's
 * criteria together, a few turns of the event loop apart at most) are gathered into one call; the reply must give one verdict per
 * numbered item (zod, then a completeness check), or the call is asked again like an unparseable
 * answer. The call's tokens are shared out over its criteria. Its prompt version (the file's
 * hash) keys its verdicts apart from the per-criterion style's. Not HealthBench-exact: HealthBench
 * asks about each criterion alone.
 */
import { z } from "zod";
import { canonicalJson } from "../core/hash.js";
import type { ChatMessage, Judge, JudgeInput, JudgeOutcome } from "../core/types.js";
import { askUntilUsable } from "../llm/ask-until-usable.js";
import { LlmOutputError, parseJsonOutput } from "../llm/json-output.js";
import type { LlmClient } from "../llm/openai-client.js";
import { type RubricGraderPrompt, renderRubricGraderPrompt } from "./grader-prompt.js";

export const wholeRubricAnswerSchema = z.object({
  verdicts: z.array(z.object({ item: z.number().int().min(1), explanation: z.string().default(""), criteria_met: z.boolean() })),
});

/** How long the first criterion of a conversation waits for the others: nothing beside a judge call's latency. */
export const GATHER_MS = 5;

export interface WholeRubricJudgeOptions {
  client: LlmClient;
  prompt: RubricGraderPrompt;
  maxParseRetries?: number;
}

interface Pending {
  input: JudgeInput;
  resolve(outcome: JudgeOutcome): void;
}

/** The verdicts of items 1..count, in order; anything else (a missing, repeated or unknown item) is an unusable answer. */
export function readWholeRubricAnswer(content: string, count: number): { criteria_met: boolean; explanation: string }[] {
  const { verdicts } = parseJsonOutput(content, wholeRubricAnswerSchema);
  const byItem = new Map(verdicts.map((v) => [v.item, v]));
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((item) => !byItem.has(item));
  if (missing.length > 0 || byItem.size !== verdicts.length || verdicts.length !== count)
    throw new LlmOutputError(
      `answer JSON verdicts: expected items 1 to ${count} once each; ${missing.length > 0 ? `missing ${missing.join(", ")}` : "some repeated or unknown"}`,
      content,
    );
  return Array.from({ length: count }, (_, i) => {
    const { criteria_met, explanation } = byItem.get(i + 1) as z.output<typeof wholeRubricAnswerSchema>["verdicts"][number];
    return { criteria_met, explanation };
  });
}

export function createWholeRubricJudge({ client, prompt, maxParseRetries = 2 }: WholeRubricJudgeOptions): Judge {
  const gathering = new Map<readonly ChatMessage[], Pending[]>();

  const run = async (conversation: readonly ChatMessage[], batch: Pending[]) => {
    const items = batch.map((p) => p.input.item);
    const asked = await askUntilUsable(
      client,
      [{ role: "user", content: renderRubricGraderPrompt(prompt, conversation, items) }],
      (content) => readWholeRubricAnswer(content, items.length),
      { json: true, maxRetries: maxParseRetries, signal: allAborted(batch.map((p) => p.input.signal)) },
    );
    batch.forEach((pending, i) => {
      pending.resolve(
        asked.ok
          ? {
              ok: true,
              verdict: asked.value[i] as { criteria_met: boolean; explanation: string },
              // Shared out, so that the store's token sums over verdicts add up to the calls'.
              promptTokens: share(asked.answer.promptTokens, batch.length, i),
              completionTokens: share(asked.answer.completionTokens, batch.length, i),
            }
          : asked.unusable
            ? { ok: false, failure: `unparseable answer after ${asked.attempts} attempts (${asked.unusable.message})` }
            : { ok: false, failure: asked.failure, unanswered: true },
      );
    });
  };

  return {
    model: client.model,
    id: canonicalJson(client.settings),
    promptVersion: prompt.version,
    grade(input) {
      return new Promise<JudgeOutcome>((resolve) => {
        // A criterion whose own call is aborted fails at once (its slot is freed); the others' call goes on.
        input.signal?.addEventListener("abort", () => resolve({ ok: false, failure: "aborted", unanswered: true }), { once: true });
        const batch = gathering.get(input.conversation);
        if (batch) return void batch.push({ input, resolve });
        const started: Pending[] = [{ input, resolve }];
        gathering.set(input.conversation, started);
        setTimeout(() => {
          gathering.delete(input.conversation);
          void run(input.conversation, started);
        }, GATHER_MS);
      });
    },
  };
}

/** Part `i` of `total` split over `parts` whole numbers that add up to it. */
function share(total: number, parts: number, i: number): number {
  return Math.floor(total / parts) + (i < total % parts ? 1 : 0);
}

/** A signal that aborts once every one of `signals` has (never, if one of them is missing). */
function allAborted(signals: readonly (AbortSignal | undefined)[]): AbortSignal | undefined {
  if (signals.some((s) => s === undefined)) return undefined;
  const all = new AbortController();
  let left = signals.length;
  for (const signal of signals as AbortSignal[]) {
    if (signal.aborted) left--;
    else signal.addEventListener("abort", () => --left === 0 && all.abort(signal.reason), { once: true });
  }
  if (left === 0) all.abort(signals[0]?.reason);
  return all.signal;
}
