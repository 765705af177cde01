/**
 * An OpenAI-compatible client (POST /chat/completions and /embeddings) for vLLM, SGLang, TGI,
 * Ollama, llama.cpp server and hosted APIs: a pool of endpoints, a concurrency limit, per
 * request timeouts, bounded retries with jittered exponential backoff on 429, 5xx, timeouts,
 * dropped connections and malformed bodies (honouring Retry-After), token usage and cost. The
 * requests go over Node's own HTTP client with kept-alive connections (http-transport.ts).
 */
import { setTimeout as sleep } from "node:timers/promises";
import pLimit from "p-limit";
import { z } from "zod";
import { ConfigError, describeError, MedrubricError, NetworkError } from "../core/errors.js";
import type { ChatMessage } from "../core/types.js";
import type { Endpoint } from "./endpoint.js";
import { EndpointPool, type EndpointPoolOptions, type PoolMember } from "./endpoint-pool.js";
import { createHttpTransport, type HttpTransport, type PostTarget, TransportTimeoutError } from "./http-transport.js";
import { backoffDelay, DEFAULT_RETRY_POLICY, isRetryableStatus, parseRetryAfter, type RetryPolicy } from "./retry-policy.js";
import { type Pricing, UsageMeter, type UsageSummary } from "./usage-meter.js";

export interface LlmClientOptions {
  endpoints: readonly Endpoint[];
  model: string;
  temperature?: number;
  maxTokens?: number;
  seed?: number;
  /** Per attempt, headers and body included. */
  timeoutMs?: number;
  /** Largest response body read; a larger one fails the request (without retry) instead of filling memory. Default 16 MiB. */
  maxResponseBytes?: number;
  retry?: Partial<RetryPolicy>;
  /** Requests in flight at once, over all endpoints. */
  concurrency?: number;
  pricing?: Pricing;
  pool?: EndpointPoolOptions;
  /** How requests are sent; default Node's http/https with `concurrency` kept-alive sockets per server. */
  transport?: HttpTransport;
  /** Told of every HTTP attempt (retries included) and of the tokens each answer used, for metrics and logs. */
  observer?: RequestObserver;
}

/** One HTTP attempt: its status (null when no response came) and, when it failed, why (the start of the body). */
export interface AttemptReport {
  ok: boolean;
  status: number | null;
  failure?: string;
  /** The caller aborted it (not the endpoint's failure). */
  aborted?: boolean;
}

export interface RequestObserver {
  attempt?(report: AttemptReport): void;
  tokens?(promptTokens: number, completionTokens: number): void;
}

/** Per call: `signal` aborts the call (in flight, in backoff or queued), freeing its slot at once. */
export interface CallOptions {
  signal?: AbortSignal;
}

export interface ChatResult {
  content: string;
  promptTokens: number;
  completionTokens: number;
}

/** What decides the model's answers, beyond the prompt: part of cache keys. */
export interface SamplingSettings {
  model: string;
  temperature?: number;
  maxTokens?: number;
  seed?: number;
}

export interface LlmClient {
  readonly model: string;
  readonly settings: SamplingSettings;
  /**
   * With `json`, asks for a JSON object (response_format where the server supports it; see parseJsonOutput).
   * With `retry`, the request asks again after an unusable answer, and counts as a retry in `usage()`.
   */
  chat(messages: readonly ChatMessage[], options?: { json?: boolean; retry?: boolean } & CallOptions): Promise<ChatResult>;
  embed(texts: readonly string[]): Promise<number[][]>;
  usage(): UsageSummary;
}

/** A request that failed for good: retries exhausted, or a 4xx that retrying cannot fix. */
export class LlmRequestError extends NetworkError {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The caller aborted the request (its signal): no answer, and no retry. */
export class LlmAbortedError extends LlmRequestError {}

/** Throws LlmAbortedError when `signal` has been aborted. */
function checkAborted(signal: AbortSignal | undefined, url: string): void {
  if (signal?.aborted) throw new LlmAbortedError(`${url}: aborted (${describeError(signal.reason)})`);
}

const usageSchema = z.object({ prompt_tokens: z.number().default(0), completion_tokens: z.number().default(0) }).optional();
const chatResponseSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
  usage: usageSchema,
});
const embeddingResponseSchema = z.object({
  data: z.array(z.object({ index: z.number(), embedding: z.array(z.number()) })),
  usage: usageSchema,
});

export function createLlmClient(options: LlmClientOptions): LlmClient {
  const pool = new EndpointPool(options.endpoints, options.pool);
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const concurrency = options.concurrency ?? 16;
  const limit = pLimit(concurrency);
  const meter = new UsageMeter(options.pricing);
  const transport = options.transport ?? createHttpTransport(concurrency);
  const headersOf = new Map(
    pool.members.map((member) => [
      member,
      { "content-type": "application/json", ...(member.apiKey ? { authorization: `Bearer ${member.apiKey}` } : {}) },
    ]),
  );
  // Parsed once per endpoint and path.
  const targets = new Map<string, PostTarget>();
  const targetOf = (url: string) => {
    let target = targets.get(url);
    if (!target) {
      target = transport.target(url);
      targets.set(url, target);
    }
    return target;
  };
  const timeoutMs = options.timeoutMs ?? 120_000;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;

  const report = (ok: boolean, status: number | null, failure?: string, aborted?: boolean) =>
    options.observer?.attempt?.({ ok, status, failure, aborted });

  async function post<S extends z.ZodType>(
    path: string,
    body: (member: PoolMember) => unknown,
    schema: S,
    { json = false, signal }: { json?: boolean } & CallOptions = {},
  ): Promise<z.output<S>> {
    for (let attempt = 1; ; attempt++) {
      checkAborted(signal, `${pool.members[0]?.baseUrl}${path}`);
      const member = pool.acquire();
      const url = `${member.baseUrl}${path}`;
      let failure: string;
      let status: number | null = null;
      let detail = "";
      let retryAfter: number | undefined;
      try {
        const response = await transport.post({
          target: targetOf(url),
          headers: headersOf.get(member) as Record<string, string>,
          body: JSON.stringify(body(member)),
          timeoutMs,
          maxResponseBytes,
          signal,
        });
        status = response.status;
        const { text } = response;
        if (text === undefined) {
          pool.release(member, "ok");
          report(false, status, "response body over the size limit");
          throw new LlmRequestError(`${url}: the response body is larger than the limit of ${maxResponseBytes} bytes`, status);
        }
        if (status >= 200 && status < 300) {
          const parsed = schema.safeParse(safeJson(text));
          if (parsed.success) {
            pool.release(member, "ok");
            report(true, status);
            return parsed.data;
          }
          failure = `malformed response body: ${text.slice(0, 120)}`;
          detail = text.slice(0, 200);
        } else if (status === 400 && json && member.jsonMode && /response_format/i.test(text)) {
          // This server has no JSON mode: ask again without it (not a failed attempt).
          member.jsonMode = false;
          pool.release(member, "ok");
          report(false, status, text.slice(0, 200));
          attempt--;
          continue;
        } else if (status === 401 || status === 403) {
          pool.release(member, "ok");
          report(false, status, text.slice(0, 200));
          throw new ConfigError(`${url}: HTTP ${status}: the server refused the API key (${text.slice(0, 200)})`);
        } else if (!isRetryableStatus(status)) {
          pool.release(member, "ok");
          report(false, status, text.slice(0, 200));
          throw new LlmRequestError(`${url}: HTTP ${status}: ${text.slice(0, 300)}`, status);
        } else {
          failure = `HTTP ${status}`;
          detail = text.slice(0, 200);
          retryAfter = parseRetryAfter(response.retryAfter);
        }
      } catch (error) {
        if (error instanceof MedrubricError) throw error;
        if (signal?.aborted) {
          // The caller gave up: not the endpoint's failure, so it is not rested.
          pool.release(member, "ok");
          report(false, status, "aborted by the caller", true);
          checkAborted(signal, url);
        }
        failure = error instanceof TransportTimeoutError ? error.message : describeError(error);
      }
      pool.release(member, "failed", retryAfter);
      report(false, status, detail || failure);
      if (attempt > policy.retries) throw new LlmRequestError(`${url}: ${failure} (gave up after ${attempt} attempts)`);
      meter.retried();
      const wait = retryAfter === undefined ? backoffDelay(attempt, policy) : Math.min(retryAfter, policy.maxRetryAfterMs);
      await sleep(wait, undefined, { signal }).catch(() => checkAborted(signal, url));
    }
  }

  const record = (promptTokens: number, completionTokens: number) => {
    meter.record(promptTokens, completionTokens);
    options.observer?.tokens?.(promptTokens, completionTokens);
  };

  function chat(
    messages: readonly ChatMessage[],
    chatOptions: { json?: boolean; retry?: boolean } & CallOptions = {},
  ): Promise<ChatResult> {
    return limit(async () => {
      if (chatOptions.retry) meter.retried();
      const body = (member: PoolMember) => ({
        model: options.model,
        messages,
        ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
        ...(options.maxTokens === undefined ? {} : { max_tokens: options.maxTokens }),
        ...(options.seed === undefined ? {} : { seed: options.seed }),
        ...(chatOptions.json && member.jsonMode ? { response_format: { type: "json_object" } } : {}),
      });
      const response = await post("/chat/completions", body, chatResponseSchema, chatOptions);
      const promptTokens = response.usage?.prompt_tokens ?? 0;
      const completionTokens = response.usage?.completion_tokens ?? 0;
      record(promptTokens, completionTokens);
      return { content: response.choices[0]?.message.content ?? "", promptTokens, completionTokens };
    });
  }

  const { model, temperature, maxTokens, seed } = options;
  return {
    model,
    settings: { model, temperature, maxTokens, seed },
    chat,
    embed: (texts) =>
      limit(async () => {
        const response = await post("/embeddings", () => ({ model: options.model, input: texts }), embeddingResponseSchema);
        record(response.usage?.prompt_tokens ?? 0, 0);
        if (response.data.length !== texts.length)
          throw new LlmRequestError(`embeddings: ${response.data.length} vectors for ${texts.length} texts`);
        return [...response.data].sort((a, b) => a.index - b.index).map((item) => item.embedding);
      }),
    usage: () => meter.snapshot(),
  };
}

export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
