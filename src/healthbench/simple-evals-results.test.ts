/**
 * simple-evals' own output read back: every per-example score, the overall score and every
 * rubric-tag and (with the HealthBench rows' tags) example-tag metric computed from the stored
 * verdicts equal what simple-evals stored, through `medrubric score`.
 */
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readJsonlFile } from "../../test/read-jsonl-file.js";
import { runCli } from "../../test/run-cli.js";
import { tempDir } from "../../test/temp-dir.js";
import { EXIT_CODES } from "../core/errors.js";

const FILES = [
  "test/fixtures/simple-evals/healthbench_custom_consensus_short_20250513_1752_allresults.json",
  "test/fixtures/simple-evals/healthbench_custom_consensus_short_20250513_1753_allresults.json",
];
const EXAMPLE_TAGS = ["theme:hedging", "physician_agreed_category:any-reducible-uncertainty"];

interface Stored {
  metrics: Record<string, number>;
  metadata: { example_level_metadata: { prompt_id: string; score: number }[] };
}

/** HealthBench rows carrying the example tags simple-evals' output leaves out. */
async function tagRows(stored: Stored): Promise<string> {
  const file = join(await tempDir(), "rows.jsonl");
  const ids = [...new Set(stored.metadata.example_level_metadata.map((e) => e.prompt_id))];
  const row = (id: string) => ({
    prompt_id: id,
    prompt: [{ role: "user", content: "?" }],
    rubrics: [{ criterion: "c", points: 1, tags: [] }],
    example_tags: EXAMPLE_TAGS,
  });
  await writeFile(file, ids.map((id) => JSON.stringify(row(id))).join("\n"));
  return file;
}

describe.each(FILES)("simple-evals output %s", (file) => {
  const stored = JSON.parse(readFileSync(file, "utf8")) as Stored;

  it("gives simple-evals' per-example scores, overall score and rubric-tag metrics", async () => {
    const out = join(await tempDir(), "examples.jsonl");
    const { code, stdout, stderr } = await runCli(["score", "--input", file, "--json", "--per-example", out]);
    expect(code, stderr).toBe(0);
    const examples = readJsonlFile(out);
    expect(examples.map((e) => e.prompt_id)).toEqual(stored.metadata.example_level_metadata.map((e) => e.prompt_id));
    examples.forEach((e, i) => {
      expect(e.score).toBeCloseTo(stored.metadata.example_level_metadata[i]?.score as number, 12);
    });
    const report = JSON.parse(stdout);
    expect(report.overall.score).toBeCloseTo(stored.metrics.overall_score as number, 12);
    expect(report.overall.n).toBe(stored.metrics["overall_score:n_samples"]);
    const rubricTags = Object.keys(report.by_tag);
    expect(rubricTags).toContain("axis:accuracy");
    for (const tag of rubricTags) {
      expect(report.by_tag[tag].score, tag).toBeCloseTo(stored.metrics[tag] as number, 12);
      expect(report.by_tag[tag].n, tag).toBe(stored.metrics[`${tag}:n_samples`]);
    }
  });

  it("takes example tags from HealthBench rows by prompt_id, and then every stored metric matches", async () => {
    const { code, stdout } = await runCli(["score", "--input", file, "--json", "--example-tags", await tagRows(stored)]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    const keys = Object.keys(stored.metrics).filter((k) => !k.endsWith(":n_samples") && !k.endsWith(":bootstrap_std"));
    for (const key of keys.filter((k) => k !== "overall_score")) {
      expect(report.by_tag[key]?.score, key).toBeCloseTo(stored.metrics[key] as number, 12);
    }
    expect(Object.keys(report.by_tag).sort()).toEqual(keys.filter((k) => k !== "overall_score").sort());
  });
});

describe("a malformed simple-evals file", () => {
  it("is bad input naming the file and the field", async () => {
    const dir = await tempDir();
    const file = join(dir, "broken_allresults.json");
    const stored = JSON.parse(readFileSync(FILES[0] as string, "utf8"));
    stored.metadata.example_level_metadata[2].rubric_items[1].points = "five";
    await writeFile(file, JSON.stringify(stored));
    const { code, stderr } = await runCli(["score", "--input", file]);
    expect(code).toBe(EXIT_CODES.input);
    expect(stderr).toContain(`${file}: metadata.example_level_metadata.2.rubric_items.1.points:`);
  });
});
