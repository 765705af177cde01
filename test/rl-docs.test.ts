/**
 * docs/rl-trainers.md checked against a real `medrubric serve`: every documented request is
 * sent as written, answered 200, with a response of exactly the documented shape (keys, list
 * lengths, types), and every reward, documented or served, inside the range the page states.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedFixtureModel, startServe, type TrainedFixture } from "./model-server.js";
import { docExamples, post, shapeOf } from "./rl-docs-examples.js";

let dir: string;
let fixture: TrainedFixture;
let server: Awaited<ReturnType<typeof startServe>>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "medrubric-rl-docs-"));
  fixture = await sharedFixtureModel(dir);
  server = await startServe(fixture);
}, 120_000);
afterAll(async () => {
  if (server?.child.exitCode === null) {
    server.child.kill("SIGTERM");
    await server.result;
  }
  await rm(dir, { recursive: true, force: true });
});

/** The range the page states: [0, 1] without a rubric; with one, from -(negative points) / (positive points) to 1. */
function rewardRange(body: { rubrics?: { points: number }[]; labels?: unknown }): [number, number] {
  const rubrics = body.rubrics;
  if (!rubrics) return [0, 1];
  const positive = rubrics.reduce((sum, item) => sum + Math.max(0, item.points), 0);
  const negative = rubrics.reduce((sum, item) => sum + Math.max(0, -item.points), 0);
  return [-negative / positive, 1];
}

const rewardsOf = (response: unknown) => (response as { rewards: number[] }).rewards;

describe("docs/rl-trainers.md", () => {
  const examples = docExamples();

  it("documents /get_reward (labels null), /v1/score with and without a rubric, and /v1/rerank", () => {
    expect(examples.map((e) => e.path)).toEqual(["/get_reward", "/v1/score", "/v1/score", "/v1/rerank"]);
    expect(examples[0]?.body).toMatchObject({ labels: null });
  });

  it.each(docExamples().map((e, i) => [i, e.path, e] as const))(
    "example %i (%s): a real server answers with the documented shape, rewards in the stated range",
    async (_i, path, example) => {
      const { status, json } = await post(server.url, path, example.body);
      expect(status, JSON.stringify(json)).toBe(200);
      expect(shapeOf(json)).toEqual(shapeOf(example.response));
      const [low, high] = rewardRange(example.body as { rubrics?: { points: number }[] });
      for (const reward of [...rewardsOf(json), ...rewardsOf(example.response)]) {
        expect(reward).toBeGreaterThanOrEqual(low - 1e-9);
        expect(reward).toBeLessThanOrEqual(high + 1e-9);
      }
    },
  );
});
