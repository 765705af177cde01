/**
 * A stand-in for an OpenAI-compatible API: a real HTTP server on 127.0.0.1 answering
 * chat completions, embeddings and the model list with scripted answers, simulated latency and
 * injected faults (error statuses, broken bodies, dropped and hanging connections), while
 * recording every request. Tests of the LLM client and judge talk to it over the socket, and
 * benchmarks push thousands of requests a second through it, so the hot path does no logging,
 * no sync I/O and no per-request timers when there is no latency.
 *
 * Faults apply to chat completions only; embeddings and the model list always answer normally.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { gzipSync } from "node:zlib";

export interface ChatCompletionBody {
  model: string;
  messages: { role: string; content: string }[];
  temperature?: number;
  max_tokens?: number;
  seed?: number;
  response_format?: { type: string };
  [key: string]: unknown;
}

/** What a scripted chat handler may return: the assistant content, or a fault for this call. */
export type ChatReply = string | { content: string; promptTokens?: number; completionTokens?: number } | Fault;

export type Fault =
  /** Answer with this status; `body` is sent verbatim as application/json, else an OpenAI-style error body. */
  | { fault: "status"; status: number; retryAfter?: string; body?: string }
  /** HTTP 200 with content-type application/json and a body that is not JSON. */
  | { fault: "malformed-body" }
  /** Destroy the socket without any response. */
  | { fault: "drop" }
  /** Send the headers (with the full content-length) and half the body, then destroy the socket. */
  | { fault: "drop-mid-body" }
  /** Never answer, until the client gives up or the server closes. */
  | { fault: "hang" }
  /** HTTP 200, chunked (no content-length), a body that never ends: the start of a completion, then padding until the client hangs up. */
  | { fault: "endless-body" };

export interface StandinOptions {
  /**
   * Scripted answers. `call` counts chat requests from 1, every POST to the chat route included
   * (faulted, rejected and invalid ones), so it always equals `chatCalls()` at that moment.
   * Default: '{"explanation": "stand-in", "criteria_met": true}'. A handler that throws gives a 500.
   */
  chat?: (body: ChatCompletionBody, call: number) => ChatReply | Promise<ChatReply>;
  /** Faults decided before `chat` runs, by call number; return undefined for a normal answer. */
  fault?: (call: number, body: ChatCompletionBody) => Fault | undefined;
  /** Delay before every chat and embeddings answer (ms), faults included, simulating model latency. Default 0. */
  latencyMs?: number;
  /** When false, any chat request with response_format gets 400. Default true. */
  supportsResponseFormat?: boolean;
  /** When set, requests to known routes without "Authorization: Bearer <apiKey>" get 401. */
  apiKey?: string;
  /** Dimension of the deterministic embedding vectors. Default 8. */
  embeddingDim?: number;
  /** Gzip every chat answer (Content-Encoding: gzip), whether or not the client asked for it, as some servers do. */
  compress?: boolean;
}

export interface StandinRequest {
  path: string;
  /** The parsed JSON body; the raw text when it is not JSON; undefined when empty. */
  body: unknown;
  authorization: string | undefined;
}

export interface Standin {
  /** Base URL including /v1, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  /** Every request received, in order (chat and embeddings, faulted ones included). */
  requests: StandinRequest[];
  /** Number of chat completion requests received so far. */
  chatCalls(): number;
  /** Number of TCP connections accepted so far (a client keeping its connections alive opens few). */
  connections(): number;
  /** Replace options at run time (e.g. change the fault schedule between phases of a test); keys given as undefined go back to defaults. */
  configure(options: Partial<StandinOptions>): void;
  /** Stops the server and destroys every open connection, hanging and keep-alive ones included. */
  close(): Promise<void>;
}

const defaultContent = '{"explanation": "stand-in", "criteria_met": true}';
const malformedBody = '{"choices": [';

/** A fault schedule giving `fault` for calls from..from+count-1 (1-based), e.g. a burst of 429s. */
export function burst(fault: Fault, from: number, count: number): (call: number) => Fault | undefined {
  return (call) => (call >= from && call < from + count ? fault : undefined);
}

export async function startStandin(initial: StandinOptions = {}): Promise<Standin> {
  let options = initial;
  let chatCalls = 0;
  const requests: StandinRequest[] = [];

  async function handle(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const path = query < 0 ? url : url.slice(0, query);
    let body: unknown;
    if (raw !== "") {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    requests.push({ path, body, authorization: req.headers.authorization });
    // One snapshot per request, so a configure() during its latency does not change it half-way.
    const current = options;
    const route = `${req.method} ${path}`;
    const isChat = route === "POST /v1/chat/completions";
    const call = isChat ? ++chatCalls : 0;
    if (!isChat && route !== "POST /v1/embeddings" && route !== "GET /v1/models") {
      sendError(res, 404, `Unknown request URL: ${route}`);
      return;
    }
    if (current.apiKey !== undefined && req.headers.authorization !== `Bearer ${current.apiKey}`) {
      sendJson(res, 401, { error: { message: "invalid api key", type: "invalid_request_error", param: null, code: "invalid_api_key" } });
      return;
    }
    if (route === "GET /v1/models") {
      sendJson(res, 200, { object: "list", data: [{ id: "standin", object: "model" }] });
      return;
    }
    // Text that is not JSON was kept as a string, so this catches it too.
    if (!isRecord(body)) {
      sendError(res, 400, "the request body is not a JSON object");
      return;
    }
    if (isChat) await chat(req, res, body, call, current);
    else await embeddings(res, body, current);
  }

  const server = createServer((req, res) => {
    readBody(req)
      .then((raw) => handle(req, res, raw))
      .catch((error: unknown) => {
        if (res.headersSent) res.destroy();
        else sendJson(res, 500, { error: { message: `stand-in failed: ${String(error)}`, type: "server_error", param: null } });
      });
  });
  let connections = 0;
  server.on("connection", () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    chatCalls: () => chatCalls,
    connections: () => connections,
    configure: (changes) => {
      options = { ...options, ...changes };
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function chat(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>, call: number, options: StandinOptions) {
  if (typeof body.model !== "string" || !Array.isArray(body.messages)) {
    sendError(res, 400, "model (a string) and messages (an array) are required", "messages");
    return;
  }
  if (body.stream === true) {
    sendError(res, 400, "stream is not supported by this server", "stream");
    return;
  }
  if (body.response_format !== undefined && options.supportsResponseFormat === false) {
    sendError(res, 400, "response_format is not supported by this server", "response_format");
    return;
  }
  const request = body as ChatCompletionBody;
  const reply = options.fault?.(call, request) ?? (options.chat ? await options.chat(request, call) : defaultContent);
  if (options.latencyMs) await delay(options.latencyMs);
  const answer = (value: unknown) => (options.compress ? sendGzipped(res, JSON.stringify(value)) : sendJson(res, 200, value));
  if (typeof reply === "string") {
    answer(completion(request, call, reply));
  } else if (!("fault" in reply)) {
    answer(completion(request, call, reply.content, reply.promptTokens, reply.completionTokens));
  } else {
    injectFault(req, res, reply, request, call);
  }
}

function completion(request: ChatCompletionBody, call: number, content: string, promptTokens?: number, completionTokens?: number) {
  let promptChars = 0;
  for (const message of request.messages) if (typeof message?.content === "string") promptChars += message.content.length;
  const prompt = promptTokens ?? Math.ceil(promptChars / 4);
  const answer = completionTokens ?? Math.ceil(content.length / 4);
  return {
    id: `chatcmpl-standin-${call}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    usage: { prompt_tokens: prompt, completion_tokens: answer, total_tokens: prompt + answer },
  };
}

function injectFault(req: IncomingMessage, res: ServerResponse, fault: Fault, request: ChatCompletionBody, call: number): void {
  switch (fault.fault) {
    case "status": {
      const text =
        fault.body ?? errorJson(`stand-in fault: HTTP ${fault.status}`, fault.status >= 500 ? "server_error" : "invalid_request_error");
      const headers: Record<string, string | number> = { "content-type": "application/json", "content-length": Buffer.byteLength(text) };
      if (fault.retryAfter !== undefined) headers["retry-after"] = fault.retryAfter;
      res.writeHead(fault.status, headers).end(text);
      return;
    }
    case "malformed-body":
      sendText(res, 200, malformedBody);
      return;
    case "drop":
      req.socket.destroy();
      return;
    case "drop-mid-body": {
      const text = JSON.stringify(completion(request, call, defaultContent));
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      // Destroy only once the part is handed to the kernel, so the client sees headers and a short body, not a refused request.
      res.write(text.slice(0, text.length >> 1), () => req.socket.destroy());
      return;
    }
    case "hang":
      return;
    case "endless-body":
      void sendEndlessBody(res);
      return;
  }
}

/** Writes 64 KB chunks as fast as the client reads them, until it disconnects (or the server closes). */
async function sendEndlessBody(res: ServerResponse): Promise<void> {
  const padding = "x".repeat(65_536);
  res.writeHead(200, { "content-type": "application/json" });
  res.write('{"choices": [{"message": {"content": "');
  while (!res.destroyed) {
    if (!res.write(padding)) await drainedOrClosed(res);
  }
}

/** Waits for `drain` or `close`, then removes both listeners: left behind, one per chunk, they pile up on the response. */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done).off("close", done);
      resolve();
    };
    res.once("drain", done).once("close", done);
  });
}

async function embeddings(res: ServerResponse, body: Record<string, unknown>, options: StandinOptions): Promise<void> {
  const input = typeof body.input === "string" ? [body.input] : body.input;
  if (!Array.isArray(input) || input.length === 0 || !input.every((text) => typeof text === "string")) {
    sendError(res, 400, "input must be a string or a non-empty array of strings", "input");
    return;
  }
  if (options.latencyMs) await delay(options.latencyMs);
  const dim = options.embeddingDim ?? 8;
  let tokens = 0;
  const data = input.map((text: string, index) => {
    tokens += Math.ceil(text.length / 4);
    return { object: "embedding", index, embedding: embed(text, dim) };
  });
  sendJson(res, 200, { object: "list", data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
}

/** A unit vector that depends only on the text: SHAKE256 gives as many hash bytes as the dimension needs, from one pass. */
function embed(text: string, dim: number): number[] {
  const bytes = createHash("shake256", { outputLength: dim * 4 })
    .update(text)
    .digest();
  const vector = Array.from({ length: dim }, (_, i) => bytes.readUInt32LE(i * 4) / 2 ** 31 - 1);
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  return vector.map((value) => value / norm);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function errorJson(message: string, type: string, param: string | null = null): string {
  return JSON.stringify({ error: { message, type, param } });
}

function sendError(res: ServerResponse, status: number, message: string, param: string | null = null): void {
  sendText(res, status, errorJson(message, "invalid_request_error", param));
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  sendText(res, status, JSON.stringify(value));
}

function sendGzipped(res: ServerResponse, text: string): void {
  const body = gzipSync(text);
  res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "content-length": body.byteLength }).end(body);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text);
}
