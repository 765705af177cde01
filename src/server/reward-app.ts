/**
 * The reward server's HTTP API (Hono): OpenRLHF's `/get_reward`, `/v1/score` with optional
 * GRPO group-normalised advantages, `/v1/rerank`, `/healthz`, `/v1/model` and Prometheus
 * `/metrics`. Bodies must be JSON (415), are size-limited (413), have every text bounded (413
 * naming the field) and are validated with zod (400 naming the field); a full queue answers 429
 * with Retry-After, a request the queue could never hold 413, one not scored by its deadline
 * 503; a known route asked with another method 405 with Allow. An API key, when set, is checked
 * in constant time. Every error body is `{"error": "..."}`.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { HttpBindings } from "@hono/node-server";
import { type Context, Hono } from "hono";
import { z } from "zod";
import { MedrubricError } from "../core/errors.js";
import { chatMessageSchema, type RewardRequest, requestRubricsSchema, rubricItemSchema } from "../core/types.js";
import { fieldPath } from "../io/jsonl.js";
import { ClientGoneError, HttpError } from "./http-error.js";
import { AbandonedError, DeadlineError, QueueFullError, type Scorer } from "./micro-batcher.js";
import { readJsonBody } from "./read-json-body.js";
import { judgeLogs, type ServedScore } from "./rubric-scorer.js";
import { DEFAULT_MAX_ANSWER_CHARS } from "./server-limits.js";
import type { ServerMetrics } from "./server-metrics.js";

/** What `/v1/model` says: the reward model's dimensions, standard, encoder and scenarios (empty and null without a model), and the judge when there is one. */
export interface ModelInfo {
  dimensions: readonly string[];
  standards_hash: string | null;
  encoder: string | null;
  scenarios: readonly string[];
  judge?: unknown;
}

export interface RewardAppOptions {
  /** The model behind its micro-batcher: in process, or in a scoring thread. */
  scorer: Scorer<RewardRequest, ServedScore>;
  info: ModelInfo;
  metrics: ServerMetrics;
  apiKey?: string;
  maxBodyBytes: number;
  /** The longest answer, prompt message or query, in characters (--max-answer-chars). */
  maxAnswerChars?: number;
  /** True once the server drains: every answer then says `Connection: close`, so keep-alive clients go elsewhere. */
  draining?: () => boolean;
  /** Why the judge counts as failing now, or undefined: /healthz then says `degraded` with 503. */
  judgeDegraded?: () => string | undefined;
  /**
   * A judge without a reward model: an answer without a rubric is refused (400 naming the field),
   * and a scenario, which only weighs a model's dimensions, is not checked.
   */
  rubricsRequired?: boolean;
  /** Under --error-budget: what `GET /v1/hybrid` says (hybrid-judge.ts). */
  hybridStatus?: () => unknown;
}

/** Largest |points| of a criterion in a request: HealthBench's are within 10; sums of a million such stay exact. */
export const MAX_POINTS = 1_000_000;

const NO_MODEL = "required: this server scores with its judge and has no --model, so every answer needs a rubric";

/**
 * OpenRLHF's per-query `labels` (the dataset's label column): a rubric for that query, given as
 * the HealthBench item list, as `{"rubrics": [...]}`, or as the JSON text of either; null or ""
 * for none. Any other label is refused rather than silently ignored.
 */
function labelSchema(rubrics: z.ZodType<z.output<typeof requestRubricsSchema>>) {
  return z.preprocess(
    (label) => {
      if (typeof label !== "string") return label;
      if (label.trim() === "") return null;
      try {
        return JSON.parse(label);
      } catch {
        return label;
      }
    },
    z.union([z.null(), rubrics, z.object({ rubrics })], {
      error: 'expected a rubric: [{"criterion", "points"}...], {"rubrics": [...]}, its JSON text, or null',
    }),
  );
}

/**
 * The request bodies, with every text bounded: embedding time grows with length, and one
 * unbounded answer would hold the model for minutes (413 names the field beyond the limit).
 */
function requestSchemas(maxChars: number) {
  const text = z.string().max(maxChars, {
    error: (issue) => `${String(issue.input).length} characters, more than --max-answer-chars ${maxChars}`,
  });
  // A criterion is read like an answer part, so it is bounded the same way; its points are
  // bounded so that no sum of them overflows to a reward of NaN.
  const points = z
    .number()
    .finite()
    .min(-MAX_POINTS, `must be from -${MAX_POINTS} to ${MAX_POINTS}`)
    .max(MAX_POINTS, `must be from -${MAX_POINTS} to ${MAX_POINTS}`);
  const rubrics = requestRubricsSchema.and(z.array(rubricItemSchema.extend({ criterion: text, points })));
  const getReward = z.object({
    query: z.array(text).min(1, "must have at least one text"),
    // OpenRLHF sends null for a list it has none of.
    prompts: z.array(text).nullish(),
    labels: z.array(labelSchema(rubrics)).nullish(),
  });
  const rerank = z.object({
    prompt: z.array(chatMessageSchema.extend({ content: text })).min(1, "must have at least one message"),
    responses: z.array(text).min(1, "must have at least one response"),
    // An id, echoed in the error when unknown: no reason to take a long one.
    scenario: z.string().min(1).max(200).nullish(),
    rubrics: rubrics.nullish(),
  });
  const score = rerank.extend({ group_normalize: z.boolean().default(false) });
  return { getReward, rerank, score };
}
type RerankBody = z.output<ReturnType<typeof requestSchemas>["rerank"]>;

/** A reward that is not a finite number would reach the trainer as null: an internal error, never an answer. */
function checkRewards<T extends { reward: number }>(results: T[]): T[] {
  const bad = results.findIndex((r) => !Number.isFinite(r.reward));
  if (bad >= 0) throw new Error(`answer ${bad}: the reward came out as ${results[bad]?.reward}, not a finite number`);
  return results;
}

/** Served by @hono/node-server, whose bindings carry the Node request the body is read from. */
type Env = { Bindings: HttpBindings };

/** Every route with the methods it answers: another method gets 405 with `Allow`, not 404. */
const ROUTE_METHODS: Readonly<Record<string, string>> = {
  "/get_reward": "POST",
  "/v1/score": "POST",
  "/v1/rerank": "POST",
  "/healthz": "GET, HEAD",
  "/v1/model": "GET, HEAD",
  "/metrics": "GET, HEAD",
  "/v1/hybrid": "GET, HEAD",
};
const ROUTES = Object.keys(ROUTE_METHODS);

/**
 * `application/json`, with or without parameters. Anything else is refused before the body is
 * read: a web page can POST `text/plain` or a form cross-origin without a CORS preflight, and
 * with no API key the server would score it.
 */
const isJson = (contentType: string | undefined) => /^application\/json\s*(;|$)/i.test(contentType ?? "");

const digest = (text: string) => createHash("sha256").update(text).digest();

/** GRPO advantages: rewards centred on the group mean, divided by the group std (1 when the std is 0). */
export function groupAdvantages(rewards: readonly number[]): number[] {
  const mean = rewards.reduce((a, b) => a + b, 0) / rewards.length;
  const std = Math.sqrt(rewards.reduce((a, r) => a + (r - mean) ** 2, 0) / rewards.length);
  return rewards.map((r) => (r - mean) / (std > 1e-12 ? std : 1));
}

export function createRewardApp(options: RewardAppOptions): Hono<Env> {
  const { metrics, scorer } = options;
  const schemas = requestSchemas(options.maxAnswerChars ?? DEFAULT_MAX_ANSWER_CHARS);
  const expected = options.apiKey ? digest(options.apiKey) : undefined;
  const app = new Hono<Env>();

  app.use("*", async (c, next) => {
    // Known routes only as labels, so stray paths cannot blow up the metric's cardinality.
    const route = ROUTES.includes(c.req.path) ? c.req.path : "other";
    const stop = metrics.latency.startTimer({ route });
    await next();
    if (options.draining?.()) c.res.headers.set("connection", "close");
    metrics.queueDepth.set(scorer.depth());
    // Gone mid-body or while scored: whatever status was chosen, nobody received it.
    if (c.env.incoming.socket?.destroyed) return void metrics.clientDisconnects.inc({ route });
    stop();
    metrics.requests.inc({ route, status: String(c.res.status) });
  });
  app.use("*", async (c, next) => {
    if (!expected || c.req.path === "/healthz") return next();
    const given = /^Bearer (.+)$/.exec(c.req.header("authorization") ?? "")?.[1] ?? "";
    if (!timingSafeEqual(digest(given), expected)) return c.json({ error: "missing or wrong API key (Authorization: Bearer KEY)" }, 401);
    return next();
  });

  const body = async <S extends z.ZodType>(c: Context<Env>, schema: S): Promise<z.output<S>> => {
    if (!isJson(c.req.header("content-type")))
      throw new HttpError(415, `content-type: expected application/json, got ${(c.req.header("content-type") ?? "none").slice(0, 100)}`);
    const parsed = schema.safeParse(await readJsonBody(c.env.incoming, options.maxBodyBytes));
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    // Too long is too large (413), as a body over the limit is; anything else is malformed.
    const status = issue?.code === "too_big" && issue.origin === "string" ? 413 : 400;
    throw new HttpError(status, `body.${fieldPath(issue?.path ?? [])}: ${issue?.message ?? "invalid"}`.replace("body.$", "body"));
  };
  /** Scores the answers of one request field (`responses`, `query`); a client that hangs up meanwhile leaves no work behind. */
  const score = (c: Context<Env>, requests: RewardRequest[], field: string) => {
    // More than the queue can ever hold: a 429 would be retried forever.
    const { maxQueue } = scorer.limits;
    if (requests.length > maxQueue)
      throw new HttpError(
        413,
        `body.${field}: ${requests.length} answers, more than --max-queue ${maxQueue} holds at once; split the request`,
      );
    const { outgoing } = c.env;
    const abandoned = new Promise<void>((resolve) => outgoing.once("close", () => !outgoing.writableFinished && resolve()));
    return scorer.submit(requests, { abandoned }).then(checkRewards);
  };
  /** Scores one prompt's responses (/v1/score, /v1/rerank). */
  const scoreResponses = (c: Context<Env>, { prompt, responses, scenario, rubrics }: RerankBody) => {
    // Checked here rather than left to the model: a batch fails whole, so one unknown scenario
    // would fail every request batched with it.
    if (options.rubricsRequired && !rubrics?.length) throw new HttpError(400, `body.rubrics: ${NO_MODEL}`);
    if (scenario && !options.rubricsRequired && !options.info.scenarios.includes(scenario))
      throw new HttpError(400, `body.scenario: unknown scenario "${scenario}"; known: ${options.info.scenarios.join(", ")}`);
    return score(
      c,
      responses.map((response) => ({ prompt, response, scenario, rubrics })),
      "responses",
    );
  };

  app.get("/healthz", (c) => {
    // A batch past the request deadline serves nobody in time: a balancer should look elsewhere.
    if (options.draining?.()) return c.json({ status: "draining", pid: process.pid, queue_depth: scorer.depth() }, 503);
    const degraded = options.judgeDegraded?.();
    if (degraded) return c.json({ status: "degraded", reason: degraded, pid: process.pid, queue_depth: scorer.depth() }, 503);
    const busyMs = scorer.busyMs();
    const { deadlineMs } = scorer.limits;
    if (busyMs <= deadlineMs) return c.json({ status: "ok", pid: process.pid, queue_depth: scorer.depth() });
    const reason = `the scoring thread has been on one batch for ${Math.round(busyMs)} ms, over --request-timeout-ms ${deadlineMs}`;
    return c.json({ status: "unready", reason, pid: process.pid, queue_depth: scorer.depth() }, 503);
  });
  app.get("/v1/model", (c) => c.json(options.info));
  app.get("/v1/hybrid", (c) => {
    const { hybridStatus } = options;
    if (!hybridStatus) return c.json({ error: "this server runs no learning hybrid (serve --judge-url ... --error-budget E)" }, 404);
    return c.json(hybridStatus());
  });
  app.get("/metrics", async (c) => c.text(await metrics.registry.metrics(), 200, { "content-type": metrics.registry.contentType }));

  app.post("/get_reward", async (c) => {
    const { query, prompts, labels } = await body(c, schemas.getReward);
    if (prompts && prompts.length !== query.length)
      throw new HttpError(400, `body.prompts: has ${prompts.length} prompts for ${query.length} queries`);
    if (labels && labels.length !== query.length)
      throw new HttpError(400, `body.labels: has ${labels.length} labels for ${query.length} queries`);
    if (options.rubricsRequired) {
      const missing = labels ? labels.findIndex((label) => !label) : 0;
      if (missing >= 0) throw new HttpError(400, `body.labels${labels ? `.${missing}` : ""}: ${NO_MODEL}`);
    }
    const requests = query.map((text, i): RewardRequest => {
      const prompt = prompts?.[i] ?? "";
      // OpenRLHF sends prompt + response as one text; the prompt, when given, is cut off.
      const response = prompt && text.startsWith(prompt) ? text.slice(prompt.length) : text;
      const label = labels?.[i];
      const rubrics = label && !Array.isArray(label) ? label.rubrics : label;
      return { prompt: [{ role: "user", content: prompt }], response, rubrics };
    });
    const results = await score(c, requests, "query");
    const rewards = results.map((r) => r.reward);
    const extra_logs = {
      ...Object.fromEntries(
        options.info.dimensions.map((d) => [d, results.reduce((sum, r) => sum + (r.scores[d] ?? 0), 0) / results.length]),
      ),
      ...judgeLogs(results),
    };
    return c.json({ rewards, scores: rewards, extra_logs });
  });

  app.post("/v1/score", async (c) => {
    const request = await body(c, schemas.score);
    const results = await scoreResponses(c, request);
    const rewards = results.map((r) => r.reward);
    return c.json({ results, rewards, ...(request.group_normalize ? { advantages: groupAdvantages(rewards) } : {}) });
  });

  app.post("/v1/rerank", async (c) => {
    const results = await scoreResponses(c, await body(c, schemas.rerank));
    const rewards = results.map((r) => r.reward);
    return c.json({ rewards, best: rewards.indexOf(Math.max(...rewards)) });
  });

  app.notFound((c) => {
    const allow = ROUTE_METHODS[c.req.path];
    if (allow) return c.json({ error: `${c.req.method} ${c.req.path}: method not allowed; use ${allow}` }, 405, { allow });
    return c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404);
  });
  app.onError((error, c) => {
    // Nobody reads this answer; the middleware counts it as a disconnect.
    if (error instanceof ClientGoneError || error instanceof AbandonedError) return c.body(null, 400);
    if (error instanceof HttpError) return c.json({ error: error.message }, error.status, error.headers);
    if (error instanceof DeadlineError) return c.json({ error: error.message }, 503);
    if (error instanceof QueueFullError) return c.json({ error: error.message }, 429, { "retry-after": String(error.retryAfterSeconds) });
    if (error instanceof MedrubricError && (error.kind === "usage" || error.kind === "input")) return c.json({ error: error.message }, 400);
    return c.json({ error: `internal error: ${error.message}` }, 500);
  });
  return app;
}
