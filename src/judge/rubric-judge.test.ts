import { afterAll, describe, expect, it } from "vitest";
import { describeJudgeContract } from "../../test/judge-contract.js";
import { type Standin, startStandin } from "../../test/openai-standin.js";
import { createLlmClient } from "../llm/openai-client.js";
import { parsePromptTemplate } from "../llm/prompt-template.js";
import { GRADER_PLACEHOLDERS, loadGraderPrompt, renderGraderPrompt } from "./grader-prompt.js";
import { createRubricJudge } from "./rubric-judge.js";

const servers: Standin[] = [];
afterAll(() => Promise.all(servers.map((s) => s.close())));

async function judgeAnswering(answer: (call: number) => string, maxParseRetries = 2) {
  const server = await startStandin({ chat: (_body, call) => answer(call) });
  servers.push(server);
  const client = createLlmClient({ endpoints: [{ baseUrl: server.url }], model: "grader", temperature: 0, retry: { retries: 0 } });
  return { server, judge: createRubricJudge({ client, prompt: await loadGraderPrompt(), maxParseRetries }) };
}

describeJudgeContract("rubric judge over an OpenAI-compatible server", async (behaviour) => {
  const answers = {
    met: () => '{"explanation": "It says to seek emergency care now.", "criteria_met": true}',
    "not-met": () => '{"explanation": "No emergency advice.", "criteria_met": false}',
    broken: () => "Sure! The response looks fine to me.",
  };
  return (await judgeAnswering(answers[behaviour])).judge;
});

describe("rubric judge", () => {
  const conversation = [
    { role: "user" as const, content: "Is $5 of ibuprofen (200 mg) safe with my $& warfarin?" },
    { role: "assistant" as const, content: "Taking ibuprofen with warfarin raises bleeding risk; ask your clinician first." },
  ];
  const item = { points: -7, criterion: 'States that NSAIDs are "completely safe" with warfarin.' };

  it("sends the criterion and the response verbatim, as HealthBench renders them", async () => {
    const { server, judge } = await judgeAnswering(() => '{"explanation": "It warns of bleeding.", "criteria_met": false}');
    const outcome = await judge.grade({ conversation, item });
    expect(outcome).toMatchObject({ ok: true, verdict: { criteria_met: false } });
    const body = server.requests[0]?.body as { messages: { role: string; content: string }[] } | undefined;
    const sent = body?.messages ?? [];
    expect(sent).toHaveLength(1);
    const prompt = sent[0]?.content ?? "";
    expect(prompt).toContain("user: Is $5 of ibuprofen (200 mg) safe with my $& warfarin?\n\nassistant: Taking ibuprofen with warfarin");
    expect(prompt).toContain('[-7] States that NSAIDs are "completely safe" with warfarin.');
    expect(prompt).toMatch(/such as.*for example.*including/s);
    expect(prompt).not.toContain("{{");
  });

  it("asks again after an unparseable answer, at most maxParseRetries times", async () => {
    const recovering = await judgeAnswering((call) => (call === 1 ? "met" : '{"explanation": "ok", "criteria_met": true}'));
    expect(await recovering.judge.grade({ conversation, item })).toMatchObject({ ok: true });
    expect(recovering.server.chatCalls()).toBe(2);
    const hopeless = await judgeAnswering(() => '{"criteria_met": "maybe"}', 1);
    const outcome = await hopeless.judge.grade({ conversation, item });
    expect(outcome).toMatchObject({ ok: false, failure: expect.stringMatching(/^unparseable answer after 2 attempts/) });
    expect(hopeless.server.chatCalls()).toBe(2);
  });

  it("keys verdicts on the sampling settings and the prompt version", async () => {
    const { judge } = await judgeAnswering(() => "{}");
    expect(JSON.parse(judge.id)).toEqual({ model: "grader", temperature: 0 });
    expect(judge.promptVersion).toMatch(/^sha256:[0-9a-f]{16}$/);
  });
});

describe("prompt templates", () => {
  it("refuses a missing, repeated or unknown placeholder, naming the file", () => {
    expect(() => parsePromptTemplate("Grade {{rubric_item}}", "custom.md", GRADER_PLACEHOLDERS)).toThrow(
      "custom.md: {{conversation}}: must appear exactly once, found 0",
    );
    expect(() => parsePromptTemplate("{{conversation}} {{conversation}} {{rubric_item}}", "custom.md", GRADER_PLACEHOLDERS)).toThrow(
      /found 2/,
    );
    expect(() => parsePromptTemplate("{{conversation}} {{rubric_item}} {{score}}", "custom.md", GRADER_PLACEHOLDERS)).toThrow(
      "custom.md: {{score}}: unknown placeholder",
    );
  });

  it("drops its leading comment, fills placeholders in any order, and versions by content", () => {
    const a = parsePromptTemplate("<!-- notes -->\nR: {{rubric_item}}\nC: {{conversation}}\n", "a.md", GRADER_PLACEHOLDERS);
    const b = parsePromptTemplate("<!-- other notes -->\nR: {{rubric_item}}\nC: {{conversation}}\n", "b.md", GRADER_PLACEHOLDERS);
    expect(renderGraderPrompt(a, [{ role: "user", content: "hi $&" }], { points: 3, criterion: "Greets." })).toBe(
      "R: [3] Greets.\nC: user: hi $&\n",
    );
    expect(a.version).not.toBe(b.version);
  });
});
