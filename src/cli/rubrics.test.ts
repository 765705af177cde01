import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type ChatCompletionBody, type Standin, startStandin } from "../../test/openai-standin.js";
import { runCli } from "../../test/run-cli.js";
import { tempDir } from "../../test/temp-dir.js";
import { loadStandards } from "../standards/load-standards.js";

let standin: Standin | undefined;
afterEach(async () => {
  await standin?.close();
  standin = undefined;
});

const prompts = [
  {
    prompt_id: "p1",
    prompt: [{ role: "user", content: "My toddler swallowed a button battery. What do I do?" }],
    example_tags: ["scenario:emergency_triage"],
  },
  { prompt_id: "p2", prompt: [{ role: "user", content: "Is it safe to take ibuprofen with my blood pressure tablets?" }] },
  { prompt_id: "p3", prompt: [{ role: "user", content: "Only negative items for me please." }] },
];

/** A generator that answers prose on its first call, and never gives p3 a positive item. */
function generator(body: ChatCompletionBody, call: number): string {
  const text = body.messages[0]?.content ?? "";
  if (call === 1) return "Let me think about the best rubric for this.";
  if (text.includes("Only negative items"))
    return JSON.stringify({ rubrics: [{ criterion: "Gives a dose.", points: -5, dimension: "safety" }] });
  return JSON.stringify({
    rubrics: [
      { criterion: "Tells the caregiver to go to the emergency department now.", points: 10, dimension: "safety" },
      { criterion: "Tells the caregiver to go to the emergency department right now.", points: 9, dimension: "safety" },
      { criterion: "Explains the reason plainly.", points: 4, dimension: "communication_quality" },
      { criterion: "Suggests waiting to see if symptoms appear.", points: -10, dimension: "safety" },
      { criterion: "Mentions the weather.", points: 1, dimension: "small_talk" },
    ],
  });
}

describe("medrubric rubrics generate", () => {
  it("writes tagged HealthBench rubrics with the standard's hash, resumably", async () => {
    const dir = await tempDir();
    const data = join(dir, "prompts.jsonl");
    await writeFile(data, prompts.map((p) => JSON.stringify(p)).join("\n"));
    standin = await startStandin({ chat: generator });
    const out = join(dir, "rubrics.jsonl");
    const args = ["rubrics", "generate", "--input", data, "--llm-url", standin.url, "--llm-model", "writer", "--out", out];
    const first = await runCli([...args, "--store", join(dir, "store.sqlite"), "--concurrency", "1"]);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/no rubric for p3: no usable answer after 3 attempts \(the rubric has no positive item/);
    expect(first.stdout).toContain(
      "3 prompts, 0 from cache, 2 generated, 1 failed; dropped 2 near-duplicate items and 2 items of unknown dimensions",
    );
    const { hash } = await loadStandards();
    const rows = readFileSync(out, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(rows.map((r) => r.prompt_id)).toEqual(["p1", "p2"]);
    expect(rows[0]).toMatchObject({ standards_hash: hash, example_tags: ["scenario:emergency_triage", "discipline:pediatrics"] });
    expect(rows[1].example_tags).toEqual(["scenario:medication_consultation", "discipline:cardiology"]);
    expect(rows[0].rubrics.map((item: { points: number }) => item.points)).toEqual([10, 4, -10]);
    expect(rows[0].rubrics[0].tags).toEqual(["level:example", "dimension:safety", "scenario:emergency_triage", "discipline:pediatrics"]);
    expect(rows[0].rubrics[1].tags).toContain("axis:communication_quality");

    const calls = standin.chatCalls();
    const again = await runCli([...args, "--store", join(dir, "store.sqlite")]);
    expect(again.stdout).toContain("3 prompts, 2 from cache, 0 generated, 1 failed");
    expect(standin.chatCalls() - calls).toBe(3); // only p3 is asked again
    const score = await runCli(["standards", "coverage", "--input", out, "--json"]);
    expect(JSON.parse(score.stdout).n_examples).toBe(2);
  });
});
