import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { runCli } from "../../test/run-cli.js";
import { tempDir } from "../../test/temp-dir.js";
import { EXIT_CODES, InputError } from "../core/errors.js";
import { readAnswerRewards } from "./answer-rewards.js";

const rubric = (n: number) => Array.from({ length: n }, (_, i) => ({ criterion: `c${i}`, points: 1, tags: [] }));
const answers = [
  { prompt_id: "p1", rubrics: rubric(2) },
  { prompt_id: "p2", rubrics: rubric(1) },
  { prompt_id: "p1", rubrics: rubric(2) },
];
const row = (id: string, criteria?: number[]) =>
  JSON.stringify({ id, scores: { accuracy: 0.5 }, reward: 0.5, ...(criteria ? { criteria } : {}) });

async function rewardsFile(lines: string[]): Promise<string> {
  const file = join(await tempDir(), "rewards.jsonl");
  await writeFile(file, `${lines.join("\n")}\n`);
  return file;
}

describe("readAnswerRewards", () => {
  it("gives each answer the reward row of its prompt id, several answers to a prompt in file order", async () => {
    const file = await rewardsFile([row("p1", [0.1, 0.2]), row("p2", [0.3]), row("p1", [0.4, 0.5])]);
    expect(await readAnswerRewards(file, answers)).toEqual([[0.1, 0.2], [0.3], [0.4, 0.5]]);
    const partial = await rewardsFile([row("p2", [0.3])]);
    expect(await readAnswerRewards(partial, answers)).toEqual([null, [0.3], null]);
  });

  it("names the file, line and field of a row that does not fit", async () => {
    const cases: [string[], string][] = [
      [[row("p2", [0.3]), row("p9", [0.1])], ':2: id: no graded answer left for id "p9"'],
      [[row("p2", [0.3]), row("p2", [0.3])], ':2: id: no graded answer left for id "p2"'],
      [[row("p2")], ":1: criteria: missing: run `medrubric reward` with each answer's rubrics"],
      [[row("p1", [0.1])], ":1: criteria: has 1 values for the answer's 2 rubric items"],
      [[row("p2", [1.5])], ":1: criteria.0: Too big"],
    ];
    for (const [lines, message] of cases) {
      const file = await rewardsFile(lines);
      const error = await readAnswerRewards(file, answers).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toContain(`${file}${message}`);
    }
  });
});

describe("report --rewards and the Examples section from the command line", () => {
  it("lists simple-evals output's answers, and refuses rewards without graded answers", async () => {
    const dir = await tempDir();
    const out = join(dir, "r.html");
    const input = "test/fixtures/simple-evals/healthbench_custom_consensus_short_20250513_1752_allresults.json";
    const result = await runCli(["report", "--input", input, "--out", out]);
    expect(result.code, result.stderr).toBe(0);
    const html = readFileSync(out, "utf8");
    const packed = /<script type="application\/octet-stream" id="ex-data"[^>]*>([^<]*)<\/script>/.exec(html)?.[1] as string;
    const data = JSON.parse(gunzipSync(Buffer.from(packed, "base64")).toString()) as { rows: unknown[]; runs: { name: string }[] };
    const examples = (JSON.parse(readFileSync(input, "utf8")) as { metadata: { example_level_metadata: unknown[] } }).metadata
      .example_level_metadata;
    expect(data.rows).toHaveLength(examples.length);
    expect(data.runs).toEqual([{ name: "healthbench_custom_consensus_short_20250513_1752", rewards: false }]);

    const score = join(dir, "score.json");
    await writeFile(score, (await runCli(["score", "--input", "data/demo/graded.jsonl", "--json"])).stdout);
    const refused = await runCli(["report", "--input", score, "--rewards", score, "--out", join(dir, "x.html")]);
    expect(refused.code).toBe(EXIT_CODES.usage);
    expect(refused.stderr).toContain(`reward-model output goes with graded answers (JSONL or _allresults.json), and ${score} is neither`);
    const alone = await runCli(["report", "--input", input, "--compare-rewards", score, "--out", join(dir, "x.html")]);
    expect(alone.code).toBe(EXIT_CODES.usage);
    expect(alone.stderr).toContain("--compare-rewards needs --compare");
  }, 60_000);
});
