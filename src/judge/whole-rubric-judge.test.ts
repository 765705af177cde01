/**
 * The whole-rubric judge (`--judge-style rubric`) against the OpenAI stand-in: the Judge contract,
 * one call for the criteria of a conversation asked together, the bundled prompt valid with its
 * worked example, distinct prompt versions from the per-criterion grader, and an abort that
 * fails one criterion at once while the call goes on for the others.
 */
import { readFile } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import { describeJudgeContract } from "../../test/judge-contract.js";
import { keywordRubricVerdicts } from "../../test/keyword-judge.js";
import { type Standin, type StandinOptions, startStandin } from "../../test/openai-standin.js";
import { packageFile } from "../io/package-files.js";
import { createLlmClient } from "../llm/openai-client.js";
import { DEFAULT_RUBRIC_GRADER_PROMPT, loadGraderPrompt, loadRubricGraderPrompt } from "./grader-prompt.js";
import { createWholeRubricJudge, readWholeRubricAnswer } from "./whole-rubric-judge.js";

const servers: Standin[] = [];
afterAll(() => Promise.all(servers.map((s) => s.close())));

async function wholeRubricJudge(options: StandinOptions) {
  const server = await startStandin(options);
  servers.push(server);
  const client = createLlmClient({ endpoints: [{ baseUrl: server.url }], model: "grader", temperature: 0, retry: { retries: 0 } });
  return { server, judge: createWholeRubricJudge({ client, prompt: await loadRubricGraderPrompt(), maxParseRetries: 1 }) };
}

describeJudgeContract("whole-rubric judge over an OpenAI-compatible server", async (behaviour) => {
  const answers = {
    met: () => '{"verdicts": [{"item": 1, "explanation": "It says to seek emergency care now.", "criteria_met": true}]}',
    "not-met": () => '{"verdicts": [{"item": 1, "explanation": "No emergency advice.", "criteria_met": false}]}',
    broken: () => "Sure! The response looks fine to me.",
  };
  return (await wholeRubricJudge({ chat: answers[behaviour] })).judge;
});

describe("whole-rubric judge", () => {
  const conversation = [
    { role: "user" as const, content: "What should I pack for a picnic?" },
    { role: "assistant" as const, content: "apples and a knife" },
  ];
  const items = [
    { points: 5, criterion: "Mentions apples." },
    { points: 3, criterion: "Mentions pears." },
    { points: -4, criterion: "Mentions knife." },
  ];

  it("grades the criteria of one conversation asked together in one call, sharing out its tokens", async () => {
    const { server, judge } = await wholeRubricJudge({ chat: (body) => ({ content: keywordRubricVerdicts(body), promptTokens: 301 }) });
    const outcomes = await Promise.all(items.map((item) => judge.grade({ conversation, item })));
    expect(outcomes.map((o) => o.ok && o.verdict.criteria_met)).toEqual([true, false, true]);
    expect(server.chatCalls()).toBe(1);
    expect(outcomes.map((o) => (o.ok ? o.promptTokens : 0))).toEqual([101, 100, 100]);
    const body = server.requests[0]?.body as { messages: { content: string }[] } | undefined;
    const prompt = body?.messages[0]?.content ?? "";
    expect(prompt).toContain("1. [5] Mentions apples.\n2. [3] Mentions pears.\n3. [-4] Mentions knife.");
    expect(prompt).toContain("assistant: apples and a knife");
  });

  it("fails an aborted criterion at once, while the call goes on for the others", async () => {
    const { judge } = await wholeRubricJudge({ chat: keywordRubricVerdicts, latencyMs: 300 });
    const abort = new AbortController();
    const started = performance.now();
    const [first, second] = [
      judge.grade({ conversation, item: items[0] as (typeof items)[number], signal: abort.signal }),
      judge.grade({ conversation, item: items[1] as (typeof items)[number] }),
    ];
    setTimeout(() => abort.abort(), 20);
    expect(await first).toMatchObject({ ok: false, unanswered: true });
    expect(performance.now() - started).toBeLessThan(250);
    expect(await second).toMatchObject({ ok: true, verdict: { criteria_met: false } });
  });

  it("takes a reply only with every item exactly once", () => {
    const reply = (verdicts: unknown[]) => JSON.stringify({ verdicts });
    expect(
      readWholeRubricAnswer(
        reply([
          { item: 2, criteria_met: false },
          { item: 1, criteria_met: true, explanation: "yes" },
        ]),
        2,
      ),
    ).toEqual([
      { criteria_met: true, explanation: "yes" },
      { criteria_met: false, explanation: "" },
    ]);
    expect(() => readWholeRubricAnswer(reply([{ item: 1, criteria_met: true }]), 2)).toThrow("missing 2");
    expect(() =>
      readWholeRubricAnswer(
        reply([
          { item: 1, criteria_met: true },
          { item: 1, criteria_met: true },
        ]),
        1,
      ),
    ).toThrow("some repeated or unknown");
  });

  it("ships a valid prompt with a worked example, whose version differs from the per-criterion grader's", async () => {
    const [whole, single] = [await loadRubricGraderPrompt(), await loadGraderPrompt()];
    expect(whole.version).not.toBe(single.version);
    const text = await readFile(packageFile(DEFAULT_RUBRIC_GRADER_PROMPT), "utf8");
    // The worked example's reply (the last line in the answer format) is one the judge itself would accept.
    const example = [...text.matchAll(/^\{"verdicts".*$/gm)].at(-1)?.[0] as string;
    expect(readWholeRubricAnswer(example, 3).map((v) => v.criteria_met)).toEqual([true, true, false]);
  });
});
