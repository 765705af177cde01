/**
 * `train --graded-from-store` end to end over the real CLI: `grade` judges demo answers into a
 * store and `serve` (judge mode, on 127.0.0.1) judges two more answers on part of a rubric, both
 * through the OpenAI stand-in; training from that store then learns from exactly those answers and
 * verdicts, and says which were judged on only part of their prompt's rubric. Also the refusals.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { demoRows, replayJudge, writeGradingInputs } from "../../test/judged-responses.js";
import { keywordVerdict } from "../../test/keyword-judge.js";
import { startServeWith } from "../../test/model-server.js";
import type { ChatCompletionBody } from "../../test/openai-standin.js";
import { startStandin } from "../../test/openai-standin.js";
import { runCli } from "../../test/run-cli.js";
import { tempDir } from "../../test/temp-dir.js";
import { EXIT_CODES } from "../core/errors.js";
import { checkpointConfigSchema } from "../rm/checkpoint.js";
import { gradedExamplesOf, NOT_JUDGED } from "./graded-from-store.js";

const rows = demoRows(4);
const replay = replayJudge(rows);
/** The recorded verdicts for the demo answers; for the server's new answers, the keyword grader (no demo criterion is "Mentions ..."). */
const grader = (body: ChatCompletionBody) => {
  try {
    return replay(body);
  } catch {
    return keywordVerdict(body);
  }
};
const standin = await startStandin({ chat: grader });
afterAll(() => standin.close());

describe("medrubric train --graded-from-store", () => {
  it("trains on the answers grade and serve judged into the store, counting those judged on part of their prompt's rubric", async () => {
    const dir = await tempDir();
    const store = join(dir, "store.sqlite");
    const inputs = await writeGradingInputs(rows, dir);
    const judge = ["--judge-url", standin.url, "--judge-model", "grader", "--store", store];
    const graded = await runCli([
      "grade",
      "--input",
      inputs.responses,
      "--examples",
      inputs.data,
      "--out",
      join(dir, "graded.jsonl"),
      ...judge,
    ]);
    expect(graded.code, graded.stderr).toBe(0);
    const first = rows[0] as (typeof rows)[number];
    const server = await startServeWith(judge);
    const response = await fetch(`${server.url}/v1/score`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt: first.prompt, responses: ["Call 911 now.", "Let him rest."], rubrics: first.rubrics.slice(0, 3) }),
    });
    expect(response.status).toBe(200);
    server.child.kill("SIGTERM");
    expect((await server.result).code).toBe(0);

    const model = join(dir, "model");
    const encoder = `openai:${standin.url}#embedder`;
    const train = await runCli(["train", "--graded-from-store", ...judge.slice(2), "--encoder", encoder, "--epochs", "1", "--out", model]);
    expect(train.code, train.stderr).toBe(0);
    const source = `${store} (judge model grader)`;
    expect(train.stdout).toContain(
      `graded from the store ${source}: 6 answers to 4 prompts; 2 of them judged on only part of their prompt's rubric (the criteria not judged left out, as judge failures are)`,
    );
    const config = checkpointConfigSchema.parse(JSON.parse(await readFile(join(model, "config.json"), "utf8")));
    expect(config.training_files).toEqual([{ path: source, kind: "graded", sha256: expect.stringMatching(/^[0-9a-f]{64}$/), rows: 6 }]);
    // Every verdict paid for: the demo rubrics' in full, and three criteria for each of the server's two answers.
    const verdicts = rows.reduce((n, row) => n + row.rubrics.length, 0) + 2 * 3;
    expect(config.training.derived.verdicts).toBe(verdicts);
    expect(train.stdout).toMatch(new RegExp(`training: 4 prompts .*: \\d+ answers, ${verdicts} verdicts`));
  }, 120_000);

  it("refuses a store with no verdicts of that judge, a store that does not exist, and a judge filter without the flag", async () => {
    const dir = await tempDir();
    const store = join(dir, "store.sqlite");
    const inputs = await writeGradingInputs(rows.slice(0, 1), dir);
    const judge = ["--judge-url", standin.url, "--judge-model", "grader", "--store", store];
    expect(
      (await runCli(["grade", "--input", inputs.responses, "--examples", inputs.data, "--out", join(dir, "g.jsonl"), ...judge])).code,
    ).toBe(0);
    const train = (...flags: string[]) => runCli(["train", ...flags, "--encoder", "glove", "--out", join(dir, "model")]);
    const other = await train("--graded-from-store", "--store", store, "--judge-model", "another");
    expect(other.code).toBe(EXIT_CODES.not_found);
    expect(other.stderr).toContain(`${store} (judge model another): no judge verdicts to train on`);
    const missing = await train("--graded-from-store", "--store", join(dir, "typo.sqlite"));
    expect(missing.code).toBe(EXIT_CODES.not_found);
    expect(missing.stderr).toContain(`${join(dir, "typo.sqlite")}: no such store`);
    const alone = await train("--units", "data/seed/units.jsonl", "--judge-model", "grader");
    expect(alone.code).toBe(EXIT_CODES.usage);
    expect(alone.stderr).toContain("--judge-model and --prompt-version choose the verdicts --graded-from-store reads: give it too");
  }, 60_000);
});

describe("gradedExamplesOf", () => {
  const answer = (hash: string, verdicts: [string, number, boolean][], promptHash = "p1") => ({
    promptHash,
    promptId: null,
    prompt: [{ role: "user" as const, content: `question ${promptHash}` }],
    conversationHash: hash,
    answer: `answer ${hash}`,
    verdicts: verdicts.map(([criterion, points, met]) => ({ criterion, points, tags: [], criteria_met: met })),
  });

  it("makes each prompt's rubric of every criterion judged on its answers, leaving out the unjudged ones as failures", () => {
    const made = gradedExamplesOf([
      answer("a", [
        ["Calls 911.", 5, true],
        ["Advises rest.", -2, false],
      ]),
      answer("b", [["Calls 911.", 5, false]]),
      answer("c", [["Advises rest.", -2, true]], "p2"),
    ]);
    expect(made).toMatchObject({ prompts: 1, partial: 1, unscorable: 1 });
    expect(made.rows.map((row) => [row.prompt_id, row.completion_id, row.rubrics.map((item) => item.points)])).toEqual([
      ["store-p1", "a", [5, -2]],
      ["store-p1", "b", [5, -2]],
    ]);
    expect(made.rows[1]?.verdicts).toEqual([
      { criteria_met: false, explanation: "" },
      { criteria_met: null, explanation: "", failure: NOT_JUDGED },
    ]);
  });
});
