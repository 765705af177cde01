import { connect } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { trainHashModel } from "../../test/hash-model.js";
import type { RewardModel, RewardRequest, RewardScore } from "../core/types.js";
import { type BatchingOptions, createMicroBatcher } from "./micro-batcher.js";
import { createRewardApp, groupAdvantages, type RewardAppOptions } from "./reward-app.js";
import { listen } from "./serve-rewards.js";
import { createServerMetrics } from "./server-metrics.js";

// A real (if briefly trained) GPRC model over hash vectors.
const { model: gprc, info, loaded } = await trainHashModel({ dim: 32, units: 24, epochs: 2 });
const servers: { close(): Promise<void> }[] = [];
afterAll(() => Promise.all(servers.map((s) => s.close())));

type Served = Partial<Omit<RewardAppOptions, "scorer" | "metrics">> & { model?: RewardModel; batching?: BatchingOptions };

/** Serves an app (the model in process) on a free port of 127.0.0.1 and returns a fetch for its paths. */
async function serveApp({ model = gprc, batching = { maxBatch: 16, maxWaitMs: 2, maxQueue: 256 }, ...options }: Served = {}) {
  const metrics = createServerMetrics();
  const scorer = createMicroBatcher<RewardRequest, RewardScore>({
    ...batching,
    run: (requests) => model.score(requests),
    onBatch: (size) => metrics.batchSize.observe(size),
  });
  const server = await listen(createRewardApp({ scorer, info, metrics, maxBodyBytes: 10_000, ...options }), "127.0.0.1", 0);
  servers.push(server);
  const request = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);
  return Object.assign(request, { url: server.url });
}
const prompt = [{ role: "user" as const, content: "My child swallowed a button battery." }];
// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
const json = async (response: Response): Promise<any> => response.json();
const post = (body: unknown, headers: Record<string, string> = {}) => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: typeof body === "string" ? body : JSON.stringify(body),
});

describe("reward server routes, over a real socket", async () => {
  const request = await serveApp();

  it("scores answers per dimension, with GRPO advantages on request", async () => {
    const response = await request(
      "/v1/score",
      post({
        prompt,
        responses: ["Go to the emergency department now.", "Wait and see.", "Give milk."],
        scenario: "emergency_triage",
        group_normalize: true,
      }),
    );
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body.results).toHaveLength(3);
    expect(Object.keys(body.results[0].scores)).toEqual([...info.dimensions]);
    expect(body.rewards.every((r: number) => r >= 0 && r <= 1)).toBe(true);
    expect(body.advantages).toEqual(groupAdvantages(body.rewards));
    expect(body.advantages.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(0, 9);
  });

  it("speaks OpenRLHF's /get_reward, cutting the prompt off each query", async () => {
    const response = await request(
      "/get_reward",
      post({ query: ["Q: help? A: call 911", "Q: help? A: rest"], prompts: ["Q: help?", "Q: help?"] }),
    );
    const body = await json(response);
    expect(body.rewards).toHaveLength(2);
    expect(body.scores).toEqual(body.rewards);
    expect(Object.keys(body.extra_logs)).toEqual([...info.dimensions]);
    const direct = await gprc.score([{ prompt: [{ role: "user", content: "Q: help?" }], response: " A: call 911" }]);
    expect(body.rewards[0]).toBeCloseTo(direct[0]?.reward ?? -1, 6);
    // OpenRLHF sends "labels": null (and may send "prompts": null) when it has none.
    const nulls = await json(
      await request("/get_reward", post({ query: ["Q: help? A: call 911", "Q: help? A: rest"], prompts: null, labels: null })),
    );
    const unprompted = await json(await request("/get_reward", post({ query: ["Q: help? A: call 911", "Q: help? A: rest"] })));
    expect(nulls.rewards).toEqual(unprompted.rewards);
  });

  it("scores an item's own rubric: P(met) per criterion, the rubric's score as reward, from /v1/score and OpenRLHF labels", async () => {
    const rubrics = [
      { criterion: "Tells them to go to the emergency department now.", points: 9 },
      { criterion: "Suggests inducing vomiting.", points: -5, tags: ["axis:accuracy"] },
    ];
    const body = await json(await request("/v1/score", post({ prompt, responses: ["Go to the emergency department now."], rubrics })));
    const direct = await gprc.score([{ prompt, response: "Go to the emergency department now.", rubrics }]);
    expect(body.results[0].criteria).toHaveLength(2);
    expect(body.rewards[0]).toBeCloseTo(direct[0]?.reward ?? -1, 6);
    const [p, q] = body.results[0].criteria;
    expect(body.rewards[0]).toBeCloseTo((9 * p - 5 * q) / 9, 6);

    const labels = [JSON.stringify({ rubrics }), rubrics, null];
    const query = ["Q: help? A: call 911", "Q: help? A: call 911", "Q: help? A: call 911"];
    const reward = await json(await request("/get_reward", post({ query, prompts: ["Q: help?", "Q: help?", "Q: help?"], labels })));
    const [fromText, fromList, plain] = reward.rewards;
    expect(fromText).toBeCloseTo(fromList, 9);
    expect(fromText).not.toBeCloseTo(plain, 9);
    const bad = await request("/get_reward", post({ query, labels: ["not a rubric", null, null] }));
    expect(bad.status).toBe(400);
    expect((await json(bad)).error).toMatch(/^body\.labels\.0: expected a rubric/);
    const noPositive = await request("/v1/score", post({ prompt, responses: ["x"], rubrics: [{ criterion: "Bad.", points: -1 }] }));
    expect((await json(noPositive)).error).toMatch(/^body\.rubrics: no criterion has positive points/);
  });

  it("refuses an unknown scenario without failing the requests batched with it", async () => {
    const statuses = await Promise.all(
      ["emergency_triage", "space_medicine", null].map(
        async (scenario) => (await request("/v1/score", post({ prompt, responses: ["a"], scenario }))).status,
      ),
    );
    expect(statuses).toEqual([200, 400, 200]);
  });

  it("reranks, and describes the model", async () => {
    const rerank = await json(await request("/v1/rerank", post({ prompt, responses: ["a", "b"] })));
    expect(rerank.best).toBe(rerank.rewards.indexOf(Math.max(...rerank.rewards)));
    expect(await json(await request("/v1/model"))).toMatchObject({ standards_hash: loaded.hash, encoder: "hash-32" });
    expect(await json(await request("/healthz"))).toMatchObject({ status: "ok" });
    const metrics = await (await request("/metrics")).text();
    expect(metrics).toMatch(/medrubric_requests_total\{route="\/v1\/rerank",status="200"\} 1/);
    expect(metrics).toContain("medrubric_batch_size_bucket");
  });

  it("answers bad requests with 400 naming the field, 413 when too big, 404 elsewhere", async () => {
    const bad = await request("/v1/score", post({ prompt, responses: ["ok", 7] }));
    expect(bad.status).toBe(400);
    expect(await json(bad)).toEqual({ error: "body.responses.1: Invalid input: expected string, received number" });
    expect((await request("/v1/score", post("{not json"))).status).toBe(400);
    const unknown = await request("/v1/score", post({ prompt, responses: ["a"], scenario: "space_medicine" }));
    expect(unknown.status).toBe(400);
    expect((await json(unknown)).error).toMatch(/^body.scenario: unknown scenario "space_medicine"; known: .*emergency_triage/);
    const mismatch = await request("/get_reward", post({ query: ["a", "b"], prompts: ["a"] }));
    expect(await json(mismatch)).toEqual({ error: "body.prompts: has 1 prompts for 2 queries" });
    const huge = await request("/v1/score", post({ prompt, responses: ["x".repeat(20_000)] }));
    expect(huge.status).toBe(413);
    expect(await json(huge)).toEqual({ error: "body larger than 10000 bytes" });
    // Streamed without a content-length (chunked): cut off once past the limit, not buffered whole.
    const body = new Blob([JSON.stringify({ prompt, responses: ["x".repeat(200_000)] })]).stream();
    const streamed = await request("/v1/score", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect((await request("/nowhere")).status).toBe(404);
  });

  it("answers a known route asked with another method 405 with Allow", async () => {
    for (const path of ["/get_reward", "/v1/score", "/v1/rerank"]) {
      const response = await request(path);
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe("POST");
      expect(await json(response)).toEqual({ error: `GET ${path}: method not allowed; use POST` });
    }
    const posted = await request("/healthz", post({}));
    expect(posted.status).toBe(405);
    expect(posted.headers.get("allow")).toBe("GET, HEAD");
    expect((await request("/healthz", { method: "HEAD" })).status).toBe(200);
  });

  it("scores only application/json bodies (415 otherwise), so a cross-origin form or text/plain POST cannot", async () => {
    const body = JSON.stringify({ prompt, responses: ["a"] });
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonp"]) {
      const response = await request("/v1/score", { method: "POST", headers: { "content-type": type }, body });
      expect(response.status).toBe(415);
      expect(await json(response)).toEqual({ error: `content-type: expected application/json, got ${type}` });
    }
    const none = await request("/get_reward", { method: "POST", body: new Blob([body]) });
    expect(await json(none)).toEqual({ error: "content-type: expected application/json, got none" });
    const withCharset = await request("/v1/score", post(body, { "content-type": "Application/JSON; charset=utf-8" }));
    expect(withCharset.status).toBe(200);
  });

  it("refuses a text longer than --max-answer-chars with 413 naming its field", async () => {
    const limited = await serveApp({ maxAnswerChars: 40 });
    const long = "x".repeat(41);
    const cases: [string, unknown, string][] = [
      ["/v1/score", { prompt, responses: ["ok", "fine", "good", long] }, "body.responses.3"],
      ["/v1/rerank", { prompt: [{ role: "user", content: long }], responses: ["ok"] }, "body.prompt.0.content"],
      ["/get_reward", { query: ["ok", long] }, "body.query.1"],
      ["/get_reward", { query: ["ok"], prompts: [long] }, "body.prompts.0"],
    ];
    for (const [path, body, field] of cases) {
      const response = await limited(path, post(body));
      expect(response.status).toBe(413);
      expect(await json(response)).toEqual({ error: `${field}: 41 characters, more than --max-answer-chars 40` });
    }
    expect((await limited("/v1/score", post({ prompt, responses: ["x".repeat(40)] }))).status).toBe(200);
  });

  it("says Connection: close on every answer once draining, and /healthz 503 draining", async () => {
    let draining = false;
    const request = await serveApp({ draining: () => draining });
    expect((await request("/v1/score", post({ prompt, responses: ["a"] }))).headers.get("connection")).not.toBe("close");
    draining = true;
    const scored = await request("/v1/score", post({ prompt, responses: ["a"] }));
    expect(scored.status).toBe(200);
    expect(scored.headers.get("connection")).toBe("close");
    const health = await request("/healthz");
    expect(health.status).toBe(503);
    expect(await json(health)).toMatchObject({ status: "draining" });
  });

  it("requires the API key when one is set, except for /healthz", async () => {
    const guarded = await serveApp({ apiKey: "s3cret" });
    expect((await guarded("/v1/model")).status).toBe(401);
    expect((await guarded("/v1/model", { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    expect((await guarded("/v1/model", { headers: { authorization: "Bearer s3cret" } })).status).toBe(200);
    expect((await guarded("/healthz")).status).toBe(200);
  });
});

describe("reward server under overload", () => {
  const slow: RewardModel = {
    dimensions: gprc.dimensions,
    score: async (requests) => {
      await delay(30);
      return gprc.score(requests);
    },
  };
  it("under overload answers only 200 or 429 with Retry-After, and /healthz keeps answering", async () => {
    const request = await serveApp({ model: slow, batching: { maxBatch: 4, maxWaitMs: 1, maxQueue: 8 } });
    const requests = Array.from({ length: 60 }, () => request("/v1/score", post({ prompt, responses: ["a", "b"] })));
    const health = await request("/healthz");
    expect(health.status).toBe(200);
    const responses = await Promise.all(requests);
    const statuses = responses.map((r) => r.status);
    expect(new Set(statuses)).toEqual(new Set([200, 429]));
    const refused = responses.find((r) => r.status === 429);
    expect(Number(refused?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused && (await json(refused))).toEqual({ error: "the reward queue is full; retry later" });
    expect((await request("/healthz")).status).toBe(200);
  });

  it("answers a request larger than the queue can ever hold 413, not a 429 to retry forever", async () => {
    const request = await serveApp({ batching: { maxBatch: 4, maxWaitMs: 1, maxQueue: 8 } });
    const tooMany = await request("/v1/score", post({ prompt, responses: Array.from({ length: 9 }, () => "a") }));
    expect(tooMany.status).toBe(413);
    expect(await json(tooMany)).toEqual({ error: "body.responses: 9 answers, more than --max-queue 8 holds at once; split the request" });
    const queries = await request("/get_reward", post({ query: Array.from({ length: 9 }, () => "a") }));
    expect((await json(queries)).error).toMatch(/^body\.query: 9 answers, more than --max-queue 8/);
    expect((await request("/v1/score", post({ prompt, responses: Array.from({ length: 8 }, () => "a") }))).status).toBe(200);
  });

  it("counts a client that hangs up apart from server errors", async () => {
    const request = await serveApp({ model: slow });
    const url = new URL(request.url);
    const hangUp = async (body: string, contentLength: number, afterMs: number) => {
      const socket = connect(Number(url.port), url.hostname);
      await new Promise((resolve) => socket.once("connect", resolve));
      socket.write(
        `POST /v1/score HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${contentLength}\r\n\r\n${body}`,
      );
      await delay(afterMs);
      socket.destroy();
    };
    const full = JSON.stringify({ prompt, responses: ["a"] });
    await hangUp(full.slice(0, 20), full.length, 20); // mid-body
    await hangUp(full, full.length, 10); // while its answer is scored
    await delay(100);
    const metrics = await (await request("/metrics")).text();
    expect(metrics).toContain('medrubric_client_disconnects_total{route="/v1/score"} 2');
    expect(metrics).not.toMatch(/medrubric_requests_total\{route="\/v1\/score"/);
  });

  it("drops the answers of a client that hung up before they are scored", async () => {
    let scored = 0;
    const counting: RewardModel = {
      dimensions: gprc.dimensions,
      score: async (requests) => {
        scored += requests.length;
        await delay(30);
        return gprc.score(requests);
      },
    };
    const request = await serveApp({ model: counting, batching: { maxBatch: 1, maxWaitMs: 0, maxQueue: 256 } });
    const abort = new AbortController();
    const gone = request("/v1/score", {
      ...post({ prompt, responses: Array.from({ length: 40 }, (_, i) => `answer ${i}`) }),
      signal: abort.signal,
    });
    await delay(100);
    abort.abort();
    await gone.catch(() => {});
    await delay(300);
    // 40 answers one at a time take 1.2 s; only those started before the hang-up were scored.
    expect(scored).toBeLessThan(10);
    expect(await json(await request("/healthz"))).toMatchObject({ queue_depth: 0 });
  });
});
