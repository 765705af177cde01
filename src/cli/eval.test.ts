import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { demoRows, replayJudge, responseText, writeGradingInputs } from "../../test/judged-responses.js";
import { type ChatCompletionBody, type Standin, startStandin } from "../../test/openai-standin.js";
import { runCli } from "../../test/run-cli.js";
import { tempDir } from "../../test/temp-dir.js";

let standin: Standin | undefined;
afterEach(async () => {
  await standin?.close();
  standin = undefined;
});

describe("medrubric eval", () => {
  it("samples the model under test, grades its answers, and reuses both on a rerun", async () => {
    const rows = demoRows(8);
    const dir = await tempDir();
    const { data } = await writeGradingInputs(rows, dir);
    const judge = replayJudge(rows);
    // One stand-in plays both parts: the model under test answers with the recorded completion
    // (except for the last example, which it refuses), the judge replays the recorded verdicts.
    const refused = rows.at(-1)?.prompt_id;
    const model = (body: ChatCompletionBody) => {
      const text = (messages: { role: string; content: string }[]) => messages.map((m) => `${m.role}: ${m.content}`).join("\n");
      const row = rows.find((r) => text(r.prompt) === text(body.messages));
      if (!row || row.prompt_id === refused)
        return { fault: "status" as const, status: 400, body: '{"error": {"message": "content policy"}}' };
      return responseText(row);
    };
    standin = await startStandin({ chat: (body) => (body.model === "patient-model" ? model(body) : judge(body)) });
    const args = [
      ...["eval", "--input", data, "--model-url", standin.url, "--model-name", "patient-model", "--model-temperature", "0.7"],
      ...["--judge-url", standin.url, "--judge-model", "replay", "--out", join(dir, "graded.jsonl"), "--store", join(dir, "store.sqlite")],
    ];
    const first = await runCli(args);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(`not sampled: ${refused} #0:`);
    expect(first.stderr).toContain("1 completions could not be sampled");
    const graded = readFileSync(join(dir, "graded.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(graded.map((row) => row.prompt_id)).toEqual(rows.slice(0, -1).map((row) => row.prompt_id));
    graded.forEach((row, i) => {
      expect(Number(row.score.toFixed(10))).toBe(rows[i]?.score);
    });
    expect(first.stdout).toMatch(/model patient-model \(0 completions from cache\): 7 requests/);
    const calls = standin.chatCalls();

    const again = await runCli(args);
    expect(again.code).toBe(0);
    expect(standin.chatCalls() - calls).toBe(1); // only the refused example is asked again
    expect(again.stdout).toMatch(/model patient-model \(7 completions from cache\): 0 requests/);
    expect(again.stdout).toMatch(/, 0 judged, 0 judge failures/);
  });
});
