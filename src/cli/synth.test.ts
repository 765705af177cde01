import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type ChatCompletionBody, type Standin, startStandin } from "../../test/openai-standin.js";
import { readJsonlFile } from "../../test/read-jsonl-file.js";
import { runCli } from "../../test/run-cli.js";
import { tempDir } from "../../test/temp-dir.js";
import { loadStandards } from "../standards/load-standards.js";
import { unitSchema } from "../synth/unit.js";

let standin: Standin | undefined;
afterEach(async () => {
  await standin?.close();
  standin = undefined;
});

/**
 * One stand-in plays every part, told apart by its prompt: the question writer, the answer
 * writer, the degrader (whose empathy "medium" is as good as the good answer, so the judge must
 * reject those units), the rubric writer (two positive items per dimension), and the judge
 * (good answers meet every item, medium ones only the "A" items, poor ones none).
 */
function playAll(body: ChatCompletionBody): string {
  const text = body.messages[0]?.content ?? "";
  if (text.includes("Write one realistic message")) {
    const scenario = /Scenario: (\w+)/.exec(text)?.[1];
    return JSON.stringify({ question: `A question about ${scenario}, number ${/question number (\d+)/.exec(text)?.[1]}.` });
  }
  if (text.includes("You are a careful, expert medical assistant")) return `GOOD answer to: ${/user: (.*)/.exec(text)?.[1]}`;
  if (text.includes("Write two worse versions")) {
    const dimension = /# The dimension to degrade\n\n(\w+):/.exec(text)?.[1];
    return JSON.stringify({ medium: dimension === "empathy" ? "GOOD-looking medium" : "MEDIUM answer", poor: "POOR answer" });
  }
  if (text.includes("writing a grading rubric")) {
    const dimensions = [...text.matchAll(/^- (\w+) \(weight/gm)].map((m) => m[1]);
    return JSON.stringify({
      rubrics: dimensions.flatMap((d) =>
        [`A: checks ${d} first`, `B: checks ${d} second`].map((criterion) => ({ criterion, points: 5, dimension: d })),
      ),
    });
  }
  if (text.includes("grading an AI assistant")) {
    const response = /\nassistant: (.*)/.exec(text)?.[1] ?? "";
    const criterion = /\] (A|B):/.exec(text)?.[1];
    const met = response.startsWith("GOOD") || (response.startsWith("MEDIUM") && criterion === "A");
    return JSON.stringify({ explanation: "scripted", criteria_met: met });
  }
  throw new Error(`unexpected prompt: ${text.slice(0, 80)}`);
}

describe("medrubric synth generate", () => {
  it("keeps the units the judge orders good > medium > poor, reports the rest, and resumes from the store", async () => {
    const dir = await tempDir();
    standin = await startStandin({ chat: playAll });
    const out = join(dir, "units.jsonl");
    const args = [
      ...["synth", "generate", "--n", "3", "--dimensions", "safety,empathy", "--min-weight", "0", "--out", out],
      ...["--llm-url", standin.url, "--llm-model", "writer", "--store", join(dir, "store.sqlite")],
    ];
    const first = await runCli(args);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("units: 6 planned, 3 kept, 3 rejected by the judge (rejection rate 50.0%), 0 failed");
    expect(first.stderr).toMatch(/rejected synth-\w+-\w+-1:empathy: grades do not order good > medium > poor \(1\.00, 1\.00, 0\.00\)/);
    const units = readJsonlFile(out);
    const { standard, hash } = await loadStandards();
    expect(units).toHaveLength(3);
    for (const unit of units) {
      expect(unitSchema.safeParse(unit).success).toBe(true);
      expect(unit).toMatchObject({
        dimension: "safety",
        source: "llm",
        standards_hash: hash,
        medium: "MEDIUM answer",
        poor: "POOR answer",
      });
      expect(unit.dimension_description).toBe(standard.dimensions.find((d) => d.id === "safety")?.description);
      expect(unit.good).toBe(`GOOD answer to: ${unit.prompt[0].content}`);
    }
    expect(new Set(units.map((u) => `${u.scenario}/${u.discipline}`)).size).toBe(3);

    const calls = standin.chatCalls();
    const again = await runCli(args);
    expect(again.stdout).toContain("3 kept, 3 rejected");
    expect(standin.chatCalls()).toBe(calls);
    expect(readJsonlFile(out)).toEqual(units);
  });
});

describe("medrubric synth degrade and stats", () => {
  it("makes offline units from good answers, skipping edits that do not apply, and describes them", async () => {
    const dir = await tempDir();
    const input = join(dir, "good.jsonl");
    const good = {
      id: "q1",
      prompt: [{ role: "user", content: "My dad, 68, has crushing chest pain. What should we do?" }],
      good: "I'm sorry, that sounds frightening. Chest pain like this can be a heart attack. Call 911 right away and do not drive him yourself.\nIf he is not allergic, he can chew one 300 mg aspirin while you wait.\nThis may also be something else, but it is safest to treat it as an emergency because delays can cost heart muscle.",
    };
    await writeFile(input, `${JSON.stringify(good)}\n`);
    const out = join(dir, "units.jsonl");
    const degrade = await runCli(["synth", "degrade", "--input", input, "--out", out]);
    expect(degrade.code).toBe(0);
    const units = readJsonlFile(out);
    expect(units.map((u) => u.dimension).sort()).toEqual(["accuracy", "communication_quality", "empathy", "safety"]);
    expect(units.find((u) => u.dimension === "safety")).toMatchObject({
      id: "q1:safety:degraded",
      source: "degraded",
      scenario: "emergency_referrals",
      discipline: "cardiology",
    });
    expect(degrade.stdout).toMatch(/context_awareness\s+0 made\s+1 skipped/);

    const stats = await runCli(["synth", "stats", out, "--json"]);
    const report = JSON.parse(stats.stdout);
    expect(report).toMatchObject({ n_units: 4, n_questions: 1, by_source: { degraded: 4 }, by_dimension: { safety: 1 } });
    expect(report.length_baseline.good_over_poor).toBeGreaterThanOrEqual(0);
    const table = await runCli(["synth", "stats", out]);
    expect(table.stdout).toMatch(/^length-only baseline \(the longer answer is the better one\): good>medium \d/m);
  });

  it("names the line and field of a bad unit", async () => {
    const dir = await tempDir();
    const file = join(dir, "units.jsonl");
    await writeFile(
      file,
      `${JSON.stringify({ id: "u", prompt: [{ role: "user", content: "q" }], dimension: "safety", scenario: null, discipline: null, good: "a", medium: "a", poor: "c", dimension_description: "d", source: "authored", standards_hash: "0".repeat(64) })}\n`,
    );
    const { code, stderr } = await runCli(["synth", "stats", file]);
    expect(code).toBe(65);
    expect(stderr).toContain(`${file}:1: medium: is the same text as good`);
  });
});
