/**
 * `medrubric serve --judge-url ... --judge-model ...` end to end: the real command line against
 * the OpenAI stand-in on 127.0.0.1, its judge calls drained on SIGTERM with their verdicts saved,
 * the verl adapter's `ground_truth` scored by the judge, and the flags that do not go together.
 */
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { criterionOf, keywordVerdict } from "../../test/keyword-judge.js";
import { startServeWith } from "../../test/model-server.js";
import { type Standin, startStandin } from "../../test/openai-standin.js";
import { runCli } from "../../test/run-cli.js";
import { tempDir } from "../../test/temp-dir.js";
import { runWithVerlAdapter } from "../../test/verl-python.js";

let standin: Standin;
beforeAll(async () => {
  standin = await startStandin({ chat: keywordVerdict });
});
afterAll(() => standin.close());

const judgeFlags = (store: string) => ["--judge-url", standin.url, "--judge-model", "grader", "--store", store];
const rubrics = [
  { criterion: "Mentions apples.", points: 5 },
  { criterion: "Mentions pears.", points: 3 },
];
const score = (url: string, responses: string[]) =>
  fetch(`${url}/v1/score`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: [{ role: "user", content: "Fruit?" }], responses, rubrics }),
  });

describe("medrubric serve with a judge", () => {
  it("finishes the judge calls in flight on SIGTERM, exits 0, and a restarted server pays for none of them again", async () => {
    const store = join(await tempDir(), "store.sqlite");
    const server = await startServeWith(judgeFlags(store));
    standin.configure({ latencyMs: 500 });
    const before = standin.chatCalls();
    const inFlight = score(server.url, ["apples"]);
    while (standin.chatCalls() === before) await delay(10);
    server.child.kill("SIGTERM");
    const response = await inFlight;
    standin.configure({ latencyMs: 0 });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { rewards: number[] }).rewards).toEqual([5 / 8]);
    expect((await server.result).code).toBe(0);

    const again = await startServeWith(judgeFlags(store));
    const calls = standin.chatCalls();
    const body = (await (await score(again.url, ["apples"])).json()) as { results: { criteria: { source: string }[] }[] };
    expect(body.results[0]?.criteria.map((v) => v.source)).toEqual(["cache", "cache"]);
    expect(standin.chatCalls()).toBe(calls);
    again.child.kill("SIGTERM");
    expect((await again.result).code).toBe(0);
  });

  it("exits within --drain-timeout-ms on SIGTERM while the judge hangs, aborting its calls and keeping the verdicts that came", async () => {
    const store = join(await tempDir(), "store.sqlite");
    const server = await startServeWith([...judgeFlags(store), "--drain-timeout-ms", "1000", "--on-unjudged", "partial"]);
    standin.configure({ fault: (_call, body) => (criterionOf(body) === "Mentions pears." ? { fault: "hang" } : undefined) });
    try {
      const before = standin.chatCalls();
      // Its connection is cut at the drain deadline.
      const inFlight = score(server.url, ["apples"]).then(
        (response) => response.status,
        () => "cut",
      );
      while (standin.chatCalls() < before + 2) await delay(10);
      await delay(200);
      const stopped = performance.now();
      server.child.kill("SIGTERM");
      const result = await server.result;
      // The drain time, the idle grace and the process's own exit, with room for a busy machine.
      expect(performance.now() - stopped).toBeLessThan(4000);
      expect(result.code).toBe(75);
      expect(result.stderr).toContain("--drain-timeout-ms 1000: drain time over");
      expect(await inFlight).toBe("cut");
    } finally {
      standin.configure({ fault: undefined });
    }
    const again = await startServeWith(judgeFlags(store));
    const body = (await (await score(again.url, ["apples"])).json()) as { results: { verdicts: { source: string }[] }[] };
    expect(body.results[0]?.verdicts.map((v) => v.source)).toEqual(["cache", "judge"]);
    again.child.kill("SIGTERM");
    await again.result;
  });

  it("holds --judge-concurrency across --workers: never more judge calls in flight than the flag says", async () => {
    let inFlight = 0;
    let most = 0;
    standin.configure({
      chat: async (body) => {
        most = Math.max(most, ++inFlight);
        await delay(150);
        inFlight--;
        return keywordVerdict(body);
      },
    });
    const server = await startServeWith([
      ...judgeFlags(join(await tempDir(), "store.sqlite")),
      "--workers",
      "2",
      "--judge-concurrency",
      "3",
    ]);
    try {
      const many = Array.from({ length: 8 }, (_, i) => score(server.url, [`answer ${i}`, `apples ${i}`]));
      for (const response of await Promise.all(many)) expect(response.status).toBe(200);
      // Each worker takes its share (2 and 1); without sharing, the two would have 6 in flight.
      expect(most).toBeLessThanOrEqual(3);
      expect(most).toBeGreaterThan(1);
    } finally {
      standin.configure({ chat: keywordVerdict });
      server.child.kill("SIGTERM");
      await server.result;
    }
  });

  it("logs each failed judge request on stderr, one line a second at most, with its status and the start of its body", async () => {
    standin.configure({ fault: () => ({ fault: "status", status: 503, body: '{"error": "overloaded, come back later"}' }) });
    const server = await startServeWith([...judgeFlags(join(await tempDir(), "store.sqlite")), "--judge-retries", "0"]);
    try {
      const failed = await score(server.url, ["apples", "pears"]);
      expect(failed.status).toBe(502);
      await delay(1100);
      expect((await score(server.url, ["figs"])).status).toBe(502);
    } finally {
      standin.configure({ fault: undefined });
      server.child.kill("SIGTERM");
    }
    const lines = (await server.result).stderr.split("\n").filter((line) => line.includes("judge request failed"));
    expect(lines[0]).toBe('medrubric serve: judge request failed: HTTP 503: {"error": "overloaded, come back later"}');
    expect(lines[1]).toMatch(/^medrubric serve: judge request failed: HTTP 503: .* \(3 more since the last line\)$/);
    expect(lines).toHaveLength(2);
  });

  it("gives the verl adapter the rubric's judged score for a row whose ground_truth holds the rubric", async () => {
    const server = await startServeWith(judgeFlags(join(await tempDir(), "store.sqlite")));
    const code = `
import json
from medrubric_reward import compute_score, compute_score_batch
truth = json.dumps({"rubrics": ${JSON.stringify(rubrics)}})
info = {"prompt": "Fruit?", "scenario": "emergency_triage"}
print(json.dumps([compute_score("medical", "apples and pears", truth, info),
                  compute_score_batch(["medical"] * 2, ["pears", "apples"], [truth] * 2, [info] * 2)]))
`;
    const result = await runWithVerlAdapter(code, { MEDRUBRIC_REWARD_URL: server.url });
    server.child.kill("SIGTERM");
    await server.result;
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([1, [3 / 8, 5 / 8]]);
  });

  it.each([
    [["--judge-url", "http://127.0.0.1:9/v1", "--judge-model", "j", "--triage", "0.9"], "--triage 0.9: needs both --model"],
    [["--judge-url", "http://127.0.0.1:9/v1"], "--judge-url and --judge-model go together"],
    [[], "nothing to serve: give --model DIR"],
    [["--judge-url", "http://127.0.0.1:9/v1", "--judge-model", "j", "--triage", "0.4"], "expected a number from 0.5 to 1"],
    [
      ["--judge-url", "http://127.0.0.1:9/v1", "--judge-model", "j", "--workers", "4", "--judge-concurrency", "2"],
      "--judge-concurrency 2: below --workers 4; the workers share it",
    ],
    [["--judge-url", "http://127.0.0.1:9/v1", "--judge-model", "j", "--on-unjudged", "zero"], "Allowed choices are fail, partial"],
  ])("refuses %j with a usage error", async (flags, message) => {
    const { code, stderr } = await runCli(["serve", "--port", "0", ...flags]);
    expect(code).toBe(64);
    expect(stderr).toContain(message);
  });
});
