import { setTimeout as delay } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { burst, type Standin, type StandinOptions, startStandin } from "../../test/openai-standin.js";
import { ConfigError } from "../core/errors.js";
import { LlmOutputError, parseJsonOutput } from "./json-output.js";
import { createLlmClient, LlmAbortedError, type LlmClientOptions, LlmRequestError } from "./openai-client.js";

const servers: Standin[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function standin(options?: StandinOptions): Promise<Standin> {
  const server = await startStandin(options);
  servers.push(server);
  return server;
}

const fastRetry = { initialBackoffMs: 5, maxBackoffMs: 20 };
const user = [{ role: "user" as const, content: "How much paracetamol can an adult take in a day?" }];

function client(urls: string[], options: Partial<LlmClientOptions> = {}) {
  return createLlmClient({ endpoints: urls.map((baseUrl) => ({ baseUrl })), model: "judge-1", retry: fastRetry, ...options });
}

describe("createLlmClient chat", () => {
  it("sends the model and sampling settings and returns content with token usage", async () => {
    const server = await standin({ chat: () => ({ content: "4 g", promptTokens: 30, completionTokens: 2 }) });
    const llm = createLlmClient({
      endpoints: [{ baseUrl: server.url, apiKey: "sk-test" }],
      model: "judge-1",
      temperature: 0,
      maxTokens: 64,
      seed: 7,
      pricing: { inputPerMillion: 2, outputPerMillion: 8 },
    });
    expect(await llm.chat(user)).toEqual({ content: "4 g", promptTokens: 30, completionTokens: 2 });
    expect(server.requests[0]?.body).toMatchObject({ model: "judge-1", messages: user, temperature: 0, max_tokens: 64, seed: 7 });
    expect(server.requests[0]?.authorization).toBe("Bearer sk-test");
    expect(llm.usage()).toEqual({ requests: 1, promptTokens: 30, completionTokens: 2, retries: 0, cost: (30 * 2 + 2 * 8) / 1e6 });
  });

  it("waits as long as Retry-After says on a burst of 429s", async () => {
    const server = await standin({ fault: burst({ fault: "status", status: 429, retryAfter: "0.2" }, 1, 2), chat: () => "ok" });
    const llm = client([server.url]);
    const started = Date.now();
    expect((await llm.chat(user)).content).toBe("ok");
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(server.chatCalls()).toBe(3);
    expect(llm.usage().retries).toBe(2);
  });

  it.each([
    ["500", { fault: "status", status: 500 }],
    ["a malformed body", { fault: "malformed-body" }],
    ["a dropped connection", { fault: "drop" }],
    ["a connection dropped mid-body", { fault: "drop-mid-body" }],
    ["a timeout", { fault: "hang" }],
  ] as const)("retries after %s", async (_name, fault) => {
    const server = await standin({ fault: burst(fault, 1, 2), chat: () => "ok" });
    const llm = client([server.url], { timeoutMs: 150 });
    expect((await llm.chat(user)).content).toBe("ok");
    expect(server.chatCalls()).toBe(3);
  });

  it("gives up after the bounded number of retries", async () => {
    const server = await standin({ fault: () => ({ fault: "status", status: 503 }) });
    const llm = client([server.url], { retry: { ...fastRetry, retries: 3 } });
    const error = await llm.chat(user).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmRequestError);
    expect((error as Error).message).toMatch(/HTTP 503 \(gave up after 4 attempts\)/);
    expect(server.chatCalls()).toBe(4);
  });

  it("does not retry a request the server rejects, and reports a refused key as configuration", async () => {
    const server = await standin({ fault: () => ({ fault: "status", status: 400, body: '{"error": {"message": "context too long"}}' }) });
    await expect(client([server.url]).chat(user)).rejects.toThrow(/HTTP 400: .*context too long/);
    expect(server.chatCalls()).toBe(1);
    const guarded = await standin({ apiKey: "right" });
    await expect(createLlmClient({ endpoints: [{ baseUrl: guarded.url, apiKey: "wrong" }], model: "m" }).chat(user)).rejects.toBeInstanceOf(
      ConfigError,
    );
    expect(guarded.chatCalls()).toBe(1);
  });

  it("stops reading a response body over the size limit, declared or streamed, and does not retry it", async () => {
    const declared = await standin({ chat: () => "x".repeat(300_000) });
    const capped = client([declared.url], { maxResponseBytes: 100_000 });
    await expect(capped.chat(user)).rejects.toThrow(
      new LlmRequestError(`${declared.url}/chat/completions: the response body is larger than the limit of 100000 bytes`, 200),
    );
    expect(declared.chatCalls()).toBe(1);
    expect((await client([declared.url], { maxResponseBytes: 400_000 }).chat(user)).content).toHaveLength(300_000);

    const endless = await standin({ fault: () => ({ fault: "endless-body" }) });
    const started = Date.now();
    await expect(client([endless.url], { maxResponseBytes: 1_000_000 }).chat(user)).rejects.toThrow(
      /larger than the limit of 1000000 bytes/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(endless.chatCalls()).toBe(1);
  });

  it("never has more requests in flight than the concurrency limit", async () => {
    let inFlight = 0;
    let peak = 0;
    const server = await standin({
      chat: async () => {
        peak = Math.max(peak, ++inFlight);
        await delay(30);
        inFlight--;
        return "ok";
      },
    });
    const llm = client([server.url], { concurrency: 3 });
    await Promise.all(Array.from({ length: 12 }, () => llm.chat(user)));
    expect(peak).toBe(3);
    // Its connections are kept alive and reused: no more of them than requests in flight.
    expect(server.connections()).toBe(3);
  });

  it("reads an answer a server gzips although not asked to, the size limit applying to what it decompresses to", async () => {
    const server = await standin({ compress: true, chat: () => "y".repeat(200_000) });
    expect((await client([server.url]).chat(user)).content).toHaveLength(200_000);
    // 200 KB of one letter gzips to a few hundred bytes: the limit is on the answer, not on the bytes sent.
    await expect(client([server.url], { maxResponseBytes: 100_000 }).chat(user)).rejects.toThrow(/larger than the limit of 100000 bytes/);
  });

  it("reports a request that got no response as a network failure naming the socket error, and a malformed body apart", async () => {
    const server = await standin({ fault: (call) => (call === 1 ? { fault: "drop" } : { fault: "malformed-body" }) });
    const attempts: { status: number | null; failure?: string }[] = [];
    const llm = client([server.url], { retry: { ...fastRetry, retries: 1 }, observer: { attempt: (report) => attempts.push(report) } });
    await expect(llm.chat(user)).rejects.toThrow(/malformed response body: \{"choices": \[ \(gave up after 2 attempts\)/);
    expect(attempts[0]).toMatchObject({ status: null, failure: expect.stringMatching(/ECONNRESET/) });
    expect(attempts[1]).toMatchObject({ status: 200, failure: '{"choices": [' });
    const refused = client(["http://127.0.0.1:2/v1"], { retry: { ...fastRetry, retries: 0 } });
    await expect(refused.chat(user)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe("createLlmClient abort and observer", () => {
  it("ends a call at once when its signal aborts, in flight or in backoff, freeing its slot, and never retries it", async () => {
    const server = await standin({ fault: (call) => (call === 1 ? { fault: "hang" } : { fault: "status", status: 503 }) });
    const llm = client([server.url], { concurrency: 1, retry: { retries: 5, initialBackoffMs: 10_000, maxBackoffMs: 10_000 } });
    for (const calls of [1, 2]) {
      const abort = new AbortController();
      const call = llm.chat(user, { signal: abort.signal });
      // Aborted once the server has the request: the first hangs there, the second got 503 and backs off.
      while (server.chatCalls() < calls) await delay(5);
      await delay(50);
      const aborted = Date.now();
      abort.abort(new Error("the request's deadline passed"));
      const error = await call.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LlmAbortedError);
      expect((error as Error).message).toContain("aborted (the request's deadline passed)");
      expect(Date.now() - aborted).toBeLessThan(1000);
    }
    // The first hung and the second was in a 10 s backoff: neither kept the one slot.
    expect(server.chatCalls()).toBe(2);
  });

  it("reports every HTTP attempt, retries included, with its status and the start of its body, and the tokens", async () => {
    const server = await standin({
      fault: burst({ fault: "status", status: 429, body: '{"error": "slow down"}' }, 1, 1),
      chat: () => ({ content: "ok", promptTokens: 12, completionTokens: 3 }),
    });
    const attempts: unknown[] = [];
    const tokens: number[][] = [];
    const llm = client([server.url], {
      observer: { attempt: (report) => attempts.push(report), tokens: (p, c) => tokens.push([p, c]) },
    });
    await llm.chat(user);
    expect(attempts).toEqual([
      { ok: false, status: 429, failure: '{"error": "slow down"}', aborted: undefined },
      { ok: true, status: 200, failure: undefined, aborted: undefined },
    ]);
    expect(tokens).toEqual([[12, 3]]);
  });
});

describe("createLlmClient JSON mode", () => {
  const schema = z.object({ explanation: z.string(), criteria_met: z.boolean() });
  const askJson = async (llm: ReturnType<typeof client>) => parseJsonOutput((await llm.chat(user, { json: true })).content, schema);

  it("asks for JSON with response_format, and the answer is validated", async () => {
    const server = await standin({ chat: () => '```json\n{"explanation": "fine", "criteria_met": false}\n```' });
    expect(await askJson(client([server.url]))).toEqual({ explanation: "fine", criteria_met: false });
    expect(server.requests[0]?.body).toMatchObject({ response_format: { type: "json_object" } });
  });

  it("falls back to plain requests on a server without JSON mode, and remembers it", async () => {
    const server = await standin({ supportsResponseFormat: false, chat: () => '{"explanation": "x", "criteria_met": true}' });
    const llm = client([server.url]);
    await askJson(llm);
    await askJson(llm);
    const sent = server.requests.map((r) => "response_format" in (r.body as object));
    expect(sent).toEqual([true, false, false]);
    expect(llm.usage().retries).toBe(0);
  });

  it("reads an answer that is not the JSON asked for as LlmOutputError", async () => {
    const server = await standin({ chat: () => '{"explanation": "x", "criteria_met": "yes"}' });
    const error = await askJson(client([server.url])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmOutputError);
    expect((error as LlmOutputError).message).toMatch(/criteria_met/);
    expect((error as LlmOutputError).content).toContain('"yes"');
  });
});

describe("endpoint pool", () => {
  it("spreads concurrent requests over endpoints, fewest in flight first", async () => {
    const a = await standin({ latencyMs: 40, chat: () => "a" });
    const b = await standin({ latencyMs: 40, chat: () => "b" });
    const llm = client([a.url, b.url], { concurrency: 8 });
    await Promise.all(Array.from({ length: 16 }, () => llm.chat(user)));
    expect([a.chatCalls(), b.chatCalls()]).toEqual([8, 8]);
  });

  it("rests a failing endpoint so traffic goes to the healthy one", async () => {
    const broken = await standin({ fault: () => ({ fault: "status", status: 500 }) });
    const healthy = await standin({ chat: () => "ok" });
    const llm = client([broken.url, healthy.url], { pool: { restMs: 10_000 } });
    for (let i = 0; i < 10; i++) expect((await llm.chat(user)).content).toBe("ok");
    expect(broken.chatCalls()).toBe(1);
    expect(healthy.chatCalls()).toBe(10);
  });
});

describe("createLlmClient embed", () => {
  it("returns one vector per text, in order", async () => {
    const server = await standin({ embeddingDim: 4 });
    const llm = client([server.url]);
    const [first, second, again] = await llm.embed(["a", "b", "a"]);
    expect(first).toHaveLength(4);
    expect(again).toEqual(first);
    expect(second).not.toEqual(first);
  });
});
