/**
 * The verl adapter (adapters/verl/medrubric_reward.py) against a real `medrubric serve`: its
 * rewards are the server's own, a batch is grouped by prompt, and a refused key or a dead
 * server is an exception naming the URL. Needs python3 on the PATH.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedFixtureModel, startServe, type TrainedFixture } from "../../test/model-server.js";
import { runWithVerlAdapter } from "../../test/verl-python.js";

let fixture: TrainedFixture;
let dir: string;
let open: Awaited<ReturnType<typeof startServe>>;
let guarded: Awaited<ReturnType<typeof startServe>>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "medrubric-verl-"));
  fixture = await sharedFixtureModel(dir);
  [open, guarded] = await Promise.all([startServe(fixture), startServe(fixture, ["--api-key-env", "RM_KEY"], { env: { RM_KEY: "k3y" } })]);
  // Training and two servers starting: over vitest's 10 s hook default on a busy 2-core machine.
}, 120_000);
afterAll(async () => {
  for (const server of [open, guarded]) {
    if (server?.child.exitCode === null) {
      server.child.kill("SIGTERM");
      await server.result;
    }
  }
  await rm(dir, { recursive: true, force: true });
});

const python = runWithVerlAdapter;

const CHEST = { prompt: "My chest hurts", scenario: "emergency_triage" };
const HEADACHE = { prompt: [{ role: "user", content: "I have had a headache for two days" }] };
const SINGLE = `
import json
from medrubric_reward import compute_score
print(json.dumps(compute_score("medical", "Call emergency services now.", None, ${JSON.stringify(CHEST)})))
`;
const BATCH = `
import json
from medrubric_reward import compute_score_batch
print(json.dumps(compute_score_batch(
    ["medical"] * 3,
    ["Call emergency services now.", "Drink water and rest in a dark room.", "Wait and see if it passes."],
    [None] * 3,
    [${JSON.stringify(CHEST)}, ${JSON.stringify(HEADACHE)}, ${JSON.stringify(CHEST)}],
)))
`;

async function scored(url: string, body: object): Promise<number[]> {
  const response = await fetch(`${url}/v1/score`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { rewards: number[] }).rewards;
}

/** How many /v1/score requests the server has answered with 200. */
async function scoreRequests(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text
    .split("\n")
    .find((l) => l.startsWith("medrubric_requests_total{") && l.includes('route="/v1/score"') && l.includes('status="200"'));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

const expectClose = (actual: number[], expected: number[]) => {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, i) => {
    expect(Math.abs(value - (expected[i] as number))).toBeLessThan(1e-9);
  });
};

describe("verl adapter", () => {
  it("compute_score returns the server's reward for the same request", async () => {
    const result = await python(SINGLE, { MEDRUBRIC_REWARD_URL: open.url });
    expect(result.code, result.stderr).toBe(0);
    const expected = await scored(open.url, {
      prompt: [{ role: "user", content: CHEST.prompt }],
      responses: ["Call emergency services now."],
      scenario: CHEST.scenario,
    });
    expectClose([JSON.parse(result.stdout) as number], expected);
  });

  it("compute_score_batch sends one request per prompt and returns the rewards in order", async () => {
    const before = await scoreRequests(open.url);
    const result = await python(BATCH, { MEDRUBRIC_REWARD_URL: open.url });
    expect(result.code, result.stderr).toBe(0);
    expect((await scoreRequests(open.url)) - before).toBe(2);
    const batch = JSON.parse(result.stdout) as number[];
    expect(batch).toHaveLength(3);
    for (const reward of batch) {
      expect(reward).toBeGreaterThanOrEqual(0);
      expect(reward).toBeLessThanOrEqual(1);
    }
    const [first, third] = await scored(open.url, {
      prompt: [{ role: "user", content: CHEST.prompt }],
      responses: ["Call emergency services now.", "Wait and see if it passes."],
      scenario: CHEST.scenario,
    });
    const [second] = await scored(open.url, { prompt: HEADACHE.prompt, responses: ["Drink water and rest in a dark room."] });
    expectClose(batch, [first, second, third] as number[]);
  });

  it("sends the rubric in ground_truth: the reward is the server's rubric-conditioned reward", async () => {
    const rubrics = [
      { criterion: "Advises calling emergency services.", points: 8, tags: [] },
      { criterion: "Suggests waiting at home.", points: -3, tags: [] },
    ];
    const code = `
import json
from medrubric_reward import compute_score
print(json.dumps(compute_score("medical", "Call emergency services now.", json.dumps({"rubrics": ${JSON.stringify(rubrics)}}), ${JSON.stringify(CHEST)})))
`;
    const result = await python(code, { MEDRUBRIC_REWARD_URL: open.url });
    expect(result.code, result.stderr).toBe(0);
    const withRubric = await scored(open.url, {
      prompt: [{ role: "user", content: CHEST.prompt }],
      responses: ["Call emergency services now."],
      scenario: CHEST.scenario,
      rubrics,
    });
    const [plain] = await scored(open.url, {
      prompt: [{ role: "user", content: CHEST.prompt }],
      responses: ["Call emergency services now."],
      scenario: CHEST.scenario,
    });
    expectClose([JSON.parse(result.stdout) as number], withRubric);
    expect(withRubric[0]).not.toBe(plain);
  });

  it('reads a ground_truth that is no rubric (42, "42") as none, and raises RewardServerError naming a list that is not one', async () => {
    const code = `
import json
from medrubric_reward import RewardServerError, compute_score, compute_score_batch
info = ${JSON.stringify(CHEST)}
rewards = [compute_score("medical", "Call emergency services now.", truth, info) for truth in ["42", 42, None]]
rewards.append(compute_score_batch(["medical"] * 2, ["Call emergency services now."] * 2, ["42", 42], [info] * 2))
try:
    compute_score("medical", "Call emergency services now.", '["call 911"]', info)
    raised = None
except RewardServerError as error:
    raised = str(error)
print(json.dumps({"rewards": rewards, "raised": raised}))
`;
    const result = await python(code, { MEDRUBRIC_REWARD_URL: open.url });
    expect(result.code, result.stderr).toBe(0);
    const { rewards, raised } = JSON.parse(result.stdout) as { rewards: [number, number, number, number[]]; raised: string };
    const [plain] = await scored(open.url, {
      prompt: [{ role: "user", content: CHEST.prompt }],
      responses: ["Call emergency services now."],
      scenario: CHEST.scenario,
    });
    expectClose([...rewards.slice(0, 3), ...rewards[3]] as number[], [plain, plain, plain, plain, plain] as number[]);
    expect(raised).toBe(`ground_truth item 0: expected a rubric item {"criterion", "points"}, got 'call 911'`);
  });

  it("sends the API key, and raises naming the URL when the server refuses it", async () => {
    const right = await python(SINGLE, { MEDRUBRIC_REWARD_URL: guarded.url, MEDRUBRIC_REWARD_API_KEY: "k3y" });
    expect(right.code, right.stderr).toBe(0);
    const wrong = await python(SINGLE, { MEDRUBRIC_REWARD_URL: guarded.url, MEDRUBRIC_REWARD_API_KEY: "wrong" });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain(`${guarded.url}/v1/score`);
    expect(wrong.stderr).toContain("HTTP 401");
  });

  it("retries a server that is not there, then raises naming the URL", async () => {
    guarded.child.kill("SIGTERM");
    expect((await guarded.result).code).toBe(0);
    const started = Date.now();
    const result = await python(SINGLE, { MEDRUBRIC_REWARD_URL: guarded.url, MEDRUBRIC_REWARD_API_KEY: "k3y" });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`RewardServerError: medrubric reward server ${guarded.url}/v1/score`);
    // Three retries after 0.5, 1 and 2 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_000);
  });
});
