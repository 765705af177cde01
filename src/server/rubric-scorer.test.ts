/**
 * Judge-backed and hybrid rewards through the real reward app on a socket, with grade's judge
 * (client, prompt, verdict cache) talking to the OpenAI stand-in on 127.0.0.1: exact rubric
 * scores, one call per verdict, the concurrency bound, judge failures and the request deadline,
 * and triage by a real (briefly trained) reward model.
 */
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { trainHashModel } from "../../test/hash-model.js";
import { judgeServeFlags } from "../../test/judge-serve-flags.js";
import { criteriaOf, criterionOf, keywordRubricVerdicts, keywordVerdict } from "../../test/keyword-judge.js";
import { burst, type StandinOptions, startStandin } from "../../test/openai-standin.js";
import { tempDir } from "../../test/temp-dir.js";
import { type JudgeServeFlags, openJudgeScorer } from "../cli/serve-judge.js";
import type { RewardRequest, RewardScore } from "../core/types.js";
import { gradeTasks } from "../judge/grade-run.js";
import { loadGraderPrompt } from "../judge/grader-prompt.js";
import { createRubricJudge } from "../judge/rubric-judge.js";
import { createLlmClient } from "../llm/openai-client.js";
import { openSqliteStore } from "../store/sqlite-store.js";
import { createMicroBatcher } from "./micro-batcher.js";
import { createRewardApp } from "./reward-app.js";
import { listen } from "./serve-rewards.js";
import { createServerMetrics } from "./server-metrics.js";

const { model: gprc, info } = await trainHashModel({ dim: 32, units: 24, epochs: 2 });
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

interface Setup {
  standin?: StandinOptions;
  judgeUrl?: string;
  flags?: Partial<JudgeServeFlags>;
  withModel?: boolean;
  store?: string;
}

/** A reward server whose judge is the stand-in (keyword verdicts unless told otherwise), as `serve --judge-url` builds it. */
async function judgeServer({ standin: standinOptions = {}, judgeUrl, flags = {}, withModel = false, store }: Setup = {}) {
  const standin = await startStandin({ chat: keywordVerdict, ...standinOptions });
  closers.push(() => standin.close());
  const metrics = createServerMetrics();
  const model = withModel
    ? createMicroBatcher<RewardRequest, RewardScore>({ maxBatch: 16, maxWaitMs: 0, maxQueue: 1000, run: (r) => gprc.score(r) })
    : undefined;
  const judging = await openJudgeScorer(
    judgeServeFlags(judgeUrl ?? standin.url, {
      maxJudgeWork: 1000,
      onUnjudged: "partial",
      requestTimeoutMs: 10_000,
      store: store ?? join(await tempDir(), "store.sqlite"),
      ...flags,
    }),
    metrics,
    model,
  );
  const app = createRewardApp({
    scorer: judging.scorer,
    info: { ...(model ? info : { dimensions: [], standards_hash: null, encoder: null, scenarios: [] }), judge: judging.info },
    metrics,
    maxBodyBytes: 1 << 20,
    judgeDegraded: judging.degraded,
    rubricsRequired: !model,
  });
  const server = await listen(app, "127.0.0.1", 0);
  closers.push(async () => {
    await server.close();
    await judging.close(1000);
  });
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
  const post = async (path: string, body: unknown): Promise<{ status: number; body: any }> => {
    const response = await fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  const metricsText = async () => (await fetch(`${server.url}/metrics`)).text();
  return { standin, post, metricsText, server };
}

const prompt = [{ role: "user" as const, content: "What should I pack for a picnic?" }];
const rubrics = [
  { criterion: "Mentions apples.", points: 5 },
  { criterion: "Mentions pears.", points: 3 },
  { criterion: "Mentions knives.", points: -4 },
];
const answers = ["apples and knives", "pears", "bread"];
/** HealthBench's score by hand: met points over the positive points (8). */
const expected = [(5 - 4) / 8, 3 / 8, 0];

describe("judge-backed rewards", () => {
  it("gives every answer its rubric score from the judge's verdicts, asks each verdict once, and shares the cache with grade", async () => {
    const store = join(await tempDir(), "store.sqlite");
    // `grade` judged the first answer's first criterion before the server started.
    const pre = await startStandin({ chat: keywordVerdict });
    closers.push(() => pre.close());
    const judge = createRubricJudge({
      client: createLlmClient({ endpoints: [{ baseUrl: pre.url }], model: "grader", temperature: 0 }),
      prompt: await loadGraderPrompt(),
      maxParseRetries: 0,
    });
    const graded = openSqliteStore(store);
    const example = { prompt_id: "p1", prompt, rubrics: [{ ...rubrics[0], tags: [] }], example_tags: [] } as never;
    await gradeTasks([{ example, completion: [{ role: "assistant", content: answers[0] as string }] }], {
      judge,
      store: graded,
      runId: (await graded.startRun("grade", { kind: "grade", config: {}, dataHash: "", judgeModel: "grader", promptVersion: "" })).id,
      concurrency: 1,
    });
    await graded.close();

    const { standin, post, metricsText } = await judgeServer({ store });
    const first = await post("/v1/score", { prompt, responses: answers, rubrics, group_normalize: true });
    expect(first.status).toBe(200);
    expect(first.body.rewards).toEqual(expected);
    expect(first.body.advantages).toHaveLength(3);
    // `criteria`, as in model mode, with the judge's explanations; `verdicts`, its deprecated alias, is the same list.
    expect(first.body.results[0].criteria).toEqual([
      { criteria_met: true, explanation: "It mentions apples.", p_met: null, source: "cache" },
      { criteria_met: false, explanation: "It does not.", p_met: null, source: "judge" },
      { criteria_met: true, explanation: "It mentions knives.", p_met: null, source: "judge" },
    ]);
    expect(first.body.results[0].verdicts).toEqual(first.body.results[0].criteria);
    expect(first.body.results[0].judge_failures).toBe(0);
    expect(standin.chatCalls()).toBe(8);
    // Again, by every route: nothing is asked twice.
    const again = await post("/v1/rerank", { prompt, responses: answers, rubrics });
    expect(again.body).toEqual({ rewards: expected, best: 1 });
    const labels = [rubrics, JSON.stringify({ rubrics })];
    const question = prompt[0]?.content as string;
    const query = [`${question}pears`, `${question}bread`];
    const openrlhf = await post("/get_reward", { query, prompts: [question, question], labels });
    expect(openrlhf.body).toMatchObject({ rewards: expected.slice(1) });
    expect(openrlhf.body.extra_logs).toEqual({ judge_failures: 0, criteria_from_judge: 0, criteria_from_cache: 6, criteria_from_model: 0 });
    expect(standin.chatCalls()).toBe(8);
    const metrics = await metricsText();
    expect(metrics).toContain('medrubric_judge_calls_total{outcome="ok"} 8');
    expect(metrics).toContain("medrubric_verdict_cache_hits_total 16");
    expect(metrics).toContain("medrubric_judge_call_duration_seconds_count 8");
  });

  it("makes one call for a verdict many requests want at once, and never more calls in flight than --judge-concurrency", async () => {
    let inFlight = 0;
    let most = 0;
    const { standin, post } = await judgeServer({
      flags: { judgeConcurrency: 2 },
      standin: {
        chat: async (body) => {
          most = Math.max(most, ++inFlight);
          await delay(50);
          inFlight--;
          return keywordVerdict(body);
        },
      },
    });
    const results = await Promise.all(Array.from({ length: 5 }, () => post("/v1/score", { prompt, responses: answers, rubrics })));
    for (const result of results) expect(result.body.rewards).toEqual(expected);
    expect(standin.chatCalls()).toBe(9);
    expect(most).toBe(2);
  });

  it("leaves a judge failure out of the reward and counts it; an answer with nothing judged is a 502 with the reason, not a 0", async () => {
    const { post, metricsText } = await judgeServer({
      standin: { fault: (_call, body) => (criterionOf(body) === "Mentions pears." ? { fault: "status", status: 400 } : undefined) },
    });
    const partial = await post("/v1/score", { prompt, responses: ["apples and pears"], rubrics });
    expect(partial.status).toBe(200);
    // Over the criteria judged: 5 of the 5 positive points left.
    expect(partial.body.rewards).toEqual([1]);
    expect(partial.body.results[0].judge_failures).toBe(1);
    expect(partial.body.results[0].criteria[1]).toMatchObject({
      criteria_met: null,
      source: "judge",
      failure: expect.stringContaining("HTTP 400"),
    });
    const none = await post("/v1/score", { prompt, responses: ["pears"], rubrics: [rubrics[1], rubrics[2]] });
    expect(none.status).toBe(502);
    expect(none.body.error).toMatch(
      /^answer 0: no criterion with positive points could be judged \(1 judge failures, 0 not judged .*HTTP 400/,
    );
    expect(await metricsText()).toContain('medrubric_judge_failures_total{reason="judge"} 2');
  });

  it("answers 502 when the judge refuses the API key, leaving no lease that would hold up another run", async () => {
    const store = join(await tempDir(), "store.sqlite");
    const { post } = await judgeServer({ store, standin: { apiKey: "not-given" } });
    const response = await post("/v1/score", { prompt, responses: ["apples"], rubrics });
    expect(response.status).toBe(502);
    expect(response.body.error).toContain("refused the API key");
    const db = new Database(store, { readonly: true });
    expect(db.prepare("SELECT count(*) AS n FROM verdict_leases").get()).toEqual({ n: 0 });
    db.close();
  });

  it("answers 502 naming the judge when its endpoint is dead", async () => {
    const dead = await startStandin();
    const url = dead.url;
    await dead.close();
    const { post } = await judgeServer({ judgeUrl: url });
    const response = await post("/v1/score", { prompt, responses: ["apples"], rubrics });
    expect(response.status).toBe(502);
    expect(response.body.error).toContain(url);
  });

  it("counts criteria not judged within --request-timeout-ms as failures, and answers 503 when none was", async () => {
    const { post, metricsText } = await judgeServer({
      flags: { requestTimeoutMs: 400 },
      standin: { fault: (_call, body) => (criterionOf(body) === "Mentions knives." ? { fault: "hang" } : undefined) },
    });
    const started = performance.now();
    const partial = await post("/v1/score", { prompt, responses: ["apples and knives"], rubrics });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(partial.status).toBe(200);
    expect(partial.body.rewards).toEqual([5 / 8]);
    expect(partial.body.results[0].criteria[2]).toEqual({
      criteria_met: null,
      explanation: null,
      p_met: null,
      source: null,
      failure: "not judged within --request-timeout-ms 400",
    });
    const none = await post("/v1/score", { prompt, responses: ["knives"], rubrics: [{ criterion: "Mentions knives.", points: 2 }] });
    expect(none.status).toBe(503);
    expect(none.body.error).toBe(
      "answer 0: no criterion with positive points could be judged (0 judge failures, 1 not judged within --request-timeout-ms 400)",
    );
    expect(await metricsText()).toContain('medrubric_judge_failures_total{reason="deadline"} 2');
  });

  it("refuses an answer without a rubric when there is no model (400 naming the field), and ignores a scenario", async () => {
    const { post } = await judgeServer();
    expect(await post("/v1/score", { prompt, responses: ["a"] })).toEqual({
      status: 400,
      body: { error: "body.rubrics: required: this server scores with its judge and has no --model, so every answer needs a rubric" },
    });
    const openrlhf = await post("/get_reward", { query: ["a", "b"], labels: [rubrics, null] });
    expect(openrlhf.status).toBe(400);
    expect(openrlhf.body.error).toMatch(/^body\.labels\.1: required/);
    expect((await post("/get_reward", { query: ["a"] })).body.error).toMatch(/^body\.labels: required/);
    const withScenario = await post("/v1/score", { prompt, responses: ["pears"], rubrics, scenario: "emergency_triage" });
    expect(withScenario.body.rewards).toEqual([3 / 8]);
  });
});

describe("hybrid rewards (--triage)", () => {
  const response = "apples and knives";
  const pMet = async () => ((await gprc.score([{ prompt, response, rubrics }]))[0]?.criteria ?? []) as number[];

  it("takes the model's verdict where it is sure and asks the judge the rest, saying which per criterion", async () => {
    const p = await pMet();
    // A threshold between the sureness of the criteria: the surest is triaged, the others judged.
    const sureness = p.map((x) => Math.max(x, 1 - x)).sort((a, b) => b - a);
    const conf = ((sureness[0] as number) + (sureness[1] as number)) / 2;
    expect(sureness[0]).toBeGreaterThan(sureness[1] as number);
    const { standin, post, metricsText } = await judgeServer({ withModel: true, flags: { triage: conf } });
    const body = (await post("/v1/score", { prompt, responses: [response], rubrics })).body;
    const verdicts = body.results[0].criteria as { criteria_met: boolean; p_met: number; source: string }[];
    const truth = [true, false, true];
    verdicts.forEach((v, i) => {
      expect(v.p_met).toBeCloseTo(p[i] as number, 6);
      const sure = Math.max(v.p_met, 1 - v.p_met) >= conf;
      expect(v).toMatchObject(sure ? { source: "model", criteria_met: v.p_met >= conf } : { source: "judge", criteria_met: truth[i] });
    });
    expect(verdicts.filter((v) => v.source === "model")).toHaveLength(1);
    expect(standin.chatCalls()).toBe(2);
    const met = verdicts.map((v) => v.criteria_met);
    expect(body.rewards[0]).toBeCloseTo((5 * Number(met[0]) + 3 * Number(met[1]) - 4 * Number(met[2])) / 8, 12);
    expect(Object.keys(body.results[0].scores)).toEqual([...info.dimensions]);
    expect(await metricsText()).toContain("medrubric_triaged_criteria_total 1");
  });

  it("scores an answer without a rubric with the model, beside judged ones in the same request", async () => {
    const { standin, post } = await judgeServer({ withModel: true, flags: { triage: 1 } });
    const body = (await post("/get_reward", { query: ["apples", "apples"], labels: [rubrics, null] })).body;
    const direct = await gprc.score([{ prompt: [{ role: "user", content: "" }], response: "apples" }]);
    expect(body.rewards[0]).toBe(5 / 8);
    expect(body.rewards[1]).toBeCloseTo(direct[0]?.reward as number, 6);
    expect(body.extra_logs).toMatchObject({ criteria_from_judge: 3, criteria_from_model: 0 });
    expect(standin.chatCalls()).toBe(3);
  });
});

describe("the judge path under abuse", () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => ({ criterion: `Mentions item${i}.`, points: 1 }));

  it("refuses a request holding more judge work than --max-judge-work or --max-queue, at once and with no call", async () => {
    const { standin, post } = await judgeServer({ flags: { maxJudgeWork: 100, maxQueue: 150 } });
    const started = performance.now();
    const big = await post("/v1/score", { prompt, responses: Array.from({ length: 100 }, (_, i) => `a${i}`), rubrics: many(1000) });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(big).toEqual({
      status: 413,
      body: {
        error:
          "body: 100 answers with 100000 criteria to judge in all, more than --max-judge-work 100 allows in one request; split the request",
      },
    });
    const labels = Array.from({ length: 11 }, () => many(10));
    const openrlhf = await post("/get_reward", { query: labels.map((_, i) => `q${i}`), labels });
    expect(openrlhf.status).toBe(413);
    expect(openrlhf.body.error).toContain("110 criteria to judge in all, more than --max-judge-work 100");
    expect(standin.chatCalls()).toBe(0);
    // Within both limits: judged.
    expect((await post("/v1/score", { prompt, responses: ["item1"], rubrics: many(100) })).status).toBe(200);
  });

  it("aborts a request's judge calls at its deadline, freeing their slots at once, and keeps the verdicts that came", async () => {
    const { standin, post } = await judgeServer({
      flags: { requestTimeoutMs: 300, judgeConcurrency: 2, onUnjudged: "fail" },
      standin: { fault: (_call, body) => (criterionOf(body) === "Mentions apples." ? undefined : { fault: "hang" }) },
    });
    const hung = await post("/v1/score", { prompt, responses: ["apples and pears"], rubrics });
    expect(hung.status).toBe(503);
    expect(hung.body.error).toMatch(/^answer 0: 2 of its 3 criteria could not be judged.*\(0 judge failures, 2 not judged within/);
    // The judge recovers: the hung calls' slots (the judge timeout is 10 s) are free at once.
    standin.configure({ fault: undefined });
    const calls = standin.chatCalls();
    const started = performance.now();
    const recovered = await post("/v1/score", { prompt, responses: ["apples and pears"], rubrics });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(recovered.status).toBe(200);
    expect(recovered.body.results[0].verdicts.map((v: { source: string }) => v.source)).toEqual(["cache", "judge", "judge"]);
    expect(recovered.body.results[0]).toMatchObject({ criteria_judged: 3, judge_failures: 0 });
    expect(standin.chatCalls()).toBe(calls + 2);
  });

  it("fails an answer with an unjudged criterion by default, and says how many were judged under --on-unjudged partial", async () => {
    const fault = (_call: number, body: Parameters<typeof criterionOf>[0]) =>
      criterionOf(body) === "Mentions pears." ? ({ fault: "status", status: 400 } as const) : undefined;
    const strict = await judgeServer({ flags: { onUnjudged: "fail" }, standin: { fault } });
    const failed = await strict.post("/v1/score", { prompt, responses: ["apples and pears"], rubrics });
    expect(failed.status).toBe(502);
    expect(failed.body.error).toMatch(/^answer 0: 1 of its 3 criteria could not be judged, and --on-unjudged is fail .*HTTP 400/);
    const lenient = await judgeServer({ flags: { onUnjudged: "partial" }, standin: { fault } });
    const partial = await lenient.post("/v1/score", { prompt, responses: ["apples and pears"], rubrics });
    expect(partial.body.results[0]).toMatchObject({ reward: 1, criteria_judged: 2, judge_failures: 1 });
  });

  it("says degraded on /healthz while the judge fails, and ok once a call succeeds", async () => {
    const { standin, post, server } = await judgeServer({ standin: { fault: () => ({ fault: "status", status: 503 }) } });
    const healthz = async () => {
      const response = await fetch(`${server.url}/healthz`);
      return { status: response.status, body: (await response.json()) as { status: string; reason?: string } };
    };
    expect((await healthz()).status).toBe(200);
    expect((await post("/v1/score", { prompt, responses: ["a"], rubrics })).status).toBe(502);
    const degraded = await healthz();
    expect(degraded.status).toBe(503);
    expect(degraded.body.status).toBe("degraded");
    expect(degraded.body.reason).toMatch(/^the judge's last 3 calls failed, the last \d+ ms ago: .*HTTP 503/);
    standin.configure({ fault: undefined });
    expect((await post("/v1/score", { prompt, responses: ["b"], rubrics })).status).toBe(200);
    expect(await healthz()).toMatchObject({ status: 200, body: { status: "ok" } });
  });

  it("counts the judge's HTTP requests, retries included, and its tokens in /metrics", async () => {
    const { post, metricsText } = await judgeServer({
      flags: { judgeRetries: 2 },
      standin: {
        fault: burst({ fault: "status", status: 500 }, 1, 2),
        chat: (body) => ({ content: keywordVerdict(body), promptTokens: 100, completionTokens: 7 }),
      },
    });
    expect((await post("/v1/score", { prompt, responses: ["apples"], rubrics: [rubrics[0]] })).status).toBe(200);
    const text = await metricsText();
    expect(text).toContain('medrubric_judge_requests_total{outcome="failed",status="500"} 2');
    expect(text).toContain('medrubric_judge_requests_total{outcome="ok",status="200"} 1');
    expect(text).toContain('medrubric_judge_calls_total{outcome="ok"} 1');
    expect(text).toContain('medrubric_judge_tokens_total{kind="prompt"} 100');
    expect(text).toContain('medrubric_judge_tokens_total{kind="completion"} 7');
  });

  it("refuses points whose sums could overflow, naming the field (400), so no reward is NaN or null", async () => {
    const { post } = await judgeServer();
    const huge = await post("/v1/score", { prompt, responses: ["a"], rubrics: [{ criterion: "Mentions a.", points: 1e308 }, ...rubrics] });
    expect(huge).toEqual({ status: 400, body: { error: "body.rubrics.0.points: must be from -1000000 to 1000000" } });
    const max = await post("/v1/score", {
      prompt,
      responses: ["apples"],
      rubrics: [
        { criterion: "Mentions apples.", points: 1e6 },
        { criterion: "Mentions pears.", points: 1e6 },
      ],
    });
    expect(max.body.rewards).toEqual([0.5]);
  });
});

describe("--judge-style rubric", () => {
  it("grades all criteria of an answer in one call, with its own cache keys, tokens counted", async () => {
    const store = join(await tempDir(), "store.sqlite");
    // Criteria hold the slots in this style: an answer's go in one call when they are in flight together.
    const whole = await judgeServer({
      store,
      flags: { judgeStyle: "rubric", judgeConcurrency: 9 },
      standin: { chat: keywordRubricVerdicts },
    });
    const first = await whole.post("/v1/score", { prompt, responses: answers, rubrics });
    expect(first.body.rewards).toEqual(expected);
    expect(whole.standin.chatCalls()).toBe(3);
    const calls = whole.standin.requests.filter((r) => r.path.endsWith("/chat/completions"));
    for (const call of calls) expect(criteriaOf(call.body as never)).toEqual(rubrics.map((r) => r.criterion));
    expect(await whole.metricsText()).toMatch(/medrubric_judge_tokens_total\{kind="prompt"\} [1-9]/);
    // The per-criterion style on the same store finds none of those verdicts: a different prompt, so different keys.
    const each = await judgeServer({ store });
    expect((await each.post("/v1/score", { prompt, responses: answers, rubrics })).body.rewards).toEqual(expected);
    expect(each.standin.chatCalls()).toBe(9);
  });

  it("asks again when the reply leaves out an item, and fails the criteria when it never gives them all", async () => {
    const { standin, post } = await judgeServer({
      flags: { judgeStyle: "rubric", maxParseRetries: 1 },
      standin: { chat: (body, call) => (call === 1 ? '{"verdicts": [{"item": 1, "criteria_met": true}]}' : keywordRubricVerdicts(body)) },
    });
    expect((await post("/v1/score", { prompt, responses: ["pears"], rubrics })).body.rewards).toEqual([3 / 8]);
    expect(standin.chatCalls()).toBe(2);
    standin.configure({ chat: () => '{"verdicts": [{"item": 1, "criteria_met": true}, {"item": 1, "criteria_met": false}]}' });
    const broken = await post("/v1/score", { prompt, responses: ["figs"], rubrics });
    expect(broken.status).toBe(502);
    expect(broken.body.error).toContain(
      "unparseable answer after 2 attempts (answer JSON verdicts: expected items 1 to 3 once each; missing 2, 3)",
    );
  });
});
