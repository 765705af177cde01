/**
 * Asking a model until its answer is usable: `read` turns the answer into a value or throws
 * LlmOutputError, and an unusable answer is asked again at most `maxRetries` times. A request
 * that fails for good (LlmRequestError) ends it at once.
 */
import type { ChatMessage } from "../core/types.js";
import { LlmOutputError } from "./json-output.js";
import { type CallOptions, type ChatResult, type LlmClient, LlmRequestError } from "./openai-client.js";

export type Asked<T> =
  | { ok: true; value: T; answer: ChatResult }
  /** `unusable` is the last unusable answer's error when every attempt was unusable; absent when the request failed. */
  | { ok: false; failure: string; unusable?: LlmOutputError; attempts: number };

export async function askUntilUsable<T>(
  client: LlmClient,
  messages: readonly ChatMessage[],
  read: (content: string) => T,
  options: { json?: boolean; maxRetries?: number } & CallOptions = {},
): Promise<Asked<T>> {
  const attempts = (options.maxRetries ?? 2) + 1;
  let unusable: LlmOutputError | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const answer = await client.chat(messages, { json: options.json ?? false, retry: attempt > 1, signal: options.signal });
      return { ok: true, value: read(answer.content), answer };
    } catch (error) {
      if (error instanceof LlmRequestError) return { ok: false, failure: error.message, attempts: attempt };
      if (!(error instanceof LlmOutputError)) throw error;
      unusable = error;
    }
  }
  return { ok: false, failure: unusable?.message ?? "no answer", unusable, attempts };
}
