/**
 * The LLM judge: one call per rubric item with the grader prompt, the answer parsed as
 * `{"explanation", "criteria_met"}`. An unparseable answer is asked again at most
 * `maxParseRetries` times; after that, or when the server cannot be reached, the item is a
 * judge failure.
 */
import { z } from "zod";
import { canonicalJson } from "../core/hash.js";
import type { Judge, JudgeOutcome } from "../core/types.js";
import { askUntilUsable } from "../llm/ask-until-usable.js";
import { parseJsonOutput } from "../llm/json-output.js";
import type { LlmClient } from "../llm/openai-client.js";
import { type GraderPrompt, renderGraderPrompt } from "./grader-prompt.js";

export const judgeAnswerSchema = z.object({
  explanation: z.string().default(""),
  criteria_met: z.boolean(),
});

export interface RubricJudgeOptions {
  client: LlmClient;
  prompt: GraderPrompt;
  maxParseRetries?: number;
}

export function createRubricJudge({ client, prompt, maxParseRetries = 2 }: RubricJudgeOptions): Judge {
  return {
    model: client.model,
    id: canonicalJson(client.settings),
    promptVersion: prompt.version,
    async grade({ conversation, item, signal }): Promise<JudgeOutcome> {
      const messages = [{ role: "user" as const, content: renderGraderPrompt(prompt, conversation, item) }];
      const asked = await askUntilUsable(client, messages, (content) => parseJsonOutput(content, judgeAnswerSchema), {
        json: true,
        maxRetries: maxParseRetries,
        signal,
      });
      if (asked.ok)
        return { ok: true, verdict: asked.value, promptTokens: asked.answer.promptTokens, completionTokens: asked.answer.completionTokens };
      const { unusable } = asked;
      if (!unusable) return { ok: false, failure: asked.failure, unanswered: true };
      return {
        ok: false,
        failure: `unparseable answer after ${asked.attempts} attempts (${unusable.message}: ${JSON.stringify(unusable.content.slice(0, 200))})`,
      };
    },
  };
}
