/**
 * One LLM request whose usable answer is kept in the store: the key is the model with its
 * sampling settings and the messages (plus any caller parts, e.g. a prompt version), the answer
 * is checked by `read`, an unusable one is asked again a bounded number of times, and a cached
 * answer is read the same way on a rerun, so an interrupted job asks only for what is missing.
 */
import { canonicalJson, hashJson } from "../core/hash.js";
import type { ChatMessage } from "../core/types.js";
import type { CompletionCache } from "../store/store.js";
import { askUntilUsable } from "./ask-until-usable.js";
import { LlmOutputError } from "./json-output.js";
import type { LlmClient } from "./openai-client.js";

export type CachedChatOutcome<T> = { ok: true; value: T; cached: boolean } | { ok: false; failure: string };

export interface CachedChatRequest<T> {
  messages: readonly ChatMessage[];
  /** Turns the answer into a value; throws LlmOutputError when the answer is unusable. */
  read: (content: string) => T;
  json?: boolean;
  maxRetries?: number;
  /** Anything else the answer depends on (prompt versions, the standard's hash). */
  keyParts?: readonly unknown[];
}

export async function cachedChat<T>(
  store: CompletionCache,
  client: LlmClient,
  request: CachedChatRequest<T>,
): Promise<CachedChatOutcome<T>> {
  const key = hashJson([canonicalJson(client.settings), request.keyParts ?? [], request.messages]);
  const cached = await store.cachedCompletion(key);
  if (cached !== undefined) {
    try {
      return { ok: true, value: request.read(cached), cached: true };
    } catch (error) {
      if (!(error instanceof LlmOutputError)) throw error;
    }
  }
  const asked = await askUntilUsable(client, request.messages, request.read, request);
  if (!asked.ok)
    return { ok: false, failure: asked.unusable ? `no usable answer after ${asked.attempts} attempts (${asked.failure})` : asked.failure };
  await store.saveCompletion(key, client.model, asked.answer.content, asked.answer);
  return { ok: true, value: asked.value, cached: false };
}
