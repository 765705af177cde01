import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { demoFile, demoRows, recordedFile } from "../../test/judged-responses.js";
import { readJsonlFile } from "../../test/read-jsonl-file.js";
import { runCli } from "../../test/run-cli.js";
import { needsRealData, realDataFile } from "../../test/shared-data.js";
import { tempDir } from "../../test/temp-dir.js";
import { EXIT_CODES } from "../core/errors.js";

const gradedHard = realDataFile("graded_hard_responses.jsonl");
// The bundled demo run: 14 answers, two per HealthBench theme; its mean score worked out by hand from its verdicts.
const judged = demoFile;
const demoMean = demoRows().reduce((sum, row) => sum + row.score, 0) / 14;
const demoLines = readFileSync("data/demo/graded.jsonl", "utf8").trim().split("\n");
const demoRow = () =>
  JSON.parse(demoLines[0] as string) as Record<string, unknown> & { rubrics: Record<string, unknown>[]; verdicts: unknown[] };

async function tempFile(name: string, lines: string[]): Promise<string> {
  const file = join(await tempDir(), name);
  await writeFile(file, `${lines.join("\n")}\n`);
  return file;
}

describe("medrubric score", () => {
  it.skipIf(!gradedHard)(
    `reproduces the stored score of every one of the 4,532 real graded Hard answers ${needsRealData("graded_hard_responses.jsonl")}`,
    async () => {
      const file = gradedHard as string;
      const out = join(await tempDir(), "examples.jsonl");
      const { code, stderr } = await runCli(["score", "--input", file, "--json", "--per-example", out, "--bootstrap", "10"]);
      expect(code, stderr).toBe(0);
      const stored = readFileSync(file, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { prompt_id: string; score: number });
      const examples = readJsonlFile(out);
      expect(examples).toHaveLength(4532);
      const mismatches = examples.filter(
        (e, i) => e.prompt_id !== stored[i]?.prompt_id || Math.abs(e.score - (stored[i]?.score as number)) > 1e-12,
      );
      expect(mismatches).toEqual([]);
    },
    120_000,
  );

  it("prints the overall score, then per axis and per theme", async () => {
    const { code, stdout } = await runCli(["score", "--input", judged]);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^overall\\s+${demoMean.toFixed(4)}\\s+0\\.\\d{4}\\s+14$`, "m"));
    expect(stdout).toMatch(/^by axis\n {2}accuracy\s/m);
    expect(stdout).toMatch(/^by theme\n(.*\n)* {2}global_health\s+0\.8333\s+\S+\s+2$/m);
  });

  it("--json prints exactly one object {overall, by_tag}, reproducibly", async () => {
    const first = await runCli(["score", "--input", judged, "--json"]);
    const second = await runCli(["score", "--input", judged, "--json"]);
    expect(first.stdout).toBe(second.stdout);
    expect(first.stdout.trim().split("\n")).toHaveLength(1);
    const report = JSON.parse(first.stdout);
    expect(Object.keys(report)).toEqual(["overall", "by_tag"]);
    expect(Object.keys(report.overall)).toEqual(["score", "bootstrap_std", "n"]);
    expect(report.overall.n).toBe(14);
    expect(report.overall.score).toBeCloseTo(demoMean, 9);
    expect(report.by_tag["theme:global_health"].n).toBe(2);
    // The scores' population std over sqrt(14) is about 0.11; the bootstrap is near it.
    expect(report.overall.bootstrap_std).toBeGreaterThan(0.08);
    expect(report.overall.bootstrap_std).toBeLessThan(0.14);
    const reseeded = JSON.parse((await runCli(["score", "--input", judged, "--json", "--seed", "9"])).stdout);
    expect(reseeded.overall.score).toBe(report.overall.score);
    expect(reseeded.overall.bootstrap_std).not.toBe(report.overall.bootstrap_std);
  });

  it("--per-example writes each example's score and a metric per tag", async () => {
    const out = join(await tempDir(), "per.jsonl");
    expect((await runCli(["score", "--input", judged, "--per-example", out])).code).toBe(0);
    const rows = readJsonlFile(out);
    const inputs = demoRows();
    expect(rows).toHaveLength(14);
    rows.forEach((row, i) => {
      expect(Object.keys(row)).toEqual(["prompt_id", "score", "metrics"]);
      expect(row.prompt_id).toBe(inputs[i]?.prompt_id);
      expect(Number(row.score.toFixed(10))).toBe(inputs[i]?.score);
      expect(row.metrics.overall_score).toBe(row.score);
      for (const tag of inputs[i]?.example_tags ?? []) expect(row.metrics[tag]).toBe(row.score);
    });
  });

  it.skipIf(!recordedFile)(`--per-example writes metrics keyed like HealthBench's ${needsRealData("judged_responses.jsonl")}`, async () => {
    const out = join(await tempDir(), "per.jsonl");
    expect((await runCli(["score", "--input", recordedFile as string, "--per-example", out])).code).toBe(0);
    const rows = readJsonlFile(out);
    const inputs = readJsonlFile(recordedFile as string);
    expect(rows).toHaveLength(100);
    rows.forEach((row, i) => {
      expect(Object.keys(row)).toEqual(["prompt_id", "score", "metrics"]);
      expect(row.prompt_id).toBe(inputs[i].prompt_id);
      expect(row.metrics).toEqual(inputs[i].metrics);
    });
  });

  it("reports a length-adjusted score when asked", async () => {
    const { stdout } = await runCli(["score", "--input", judged, "--json", "--length-penalty", "0.05", "--length-center", "1000"]);
    const report = JSON.parse(stdout);
    expect(report.length_adjusted).toMatchObject({ penalty: 0.05, center: 1000, n: 14 });
    expect(report.length_adjusted.score).toBeLessThan(report.overall.score);
  });

  it("skips and counts invalid rows with --skip-invalid, drops duplicates", async () => {
    const file = await tempFile("mixed.jsonl", [
      demoLines[0] as string,
      "{broken",
      demoLines[1] as string,
      demoLines[1] as string,
      '{"prompt_id": "x"}',
    ]);
    const strict = await runCli(["score", "--input", file]);
    expect(strict.code).toBe(EXIT_CODES.input);
    expect(strict.stderr).toContain(`${file}:2: $: invalid JSON`);
    const lenient = await runCli(["score", "--input", file, "--skip-invalid", "--json"]);
    expect(lenient.code).toBe(0);
    expect(JSON.parse(lenient.stdout).overall.n).toBe(2);
    expect(lenient.stderr).toContain("skipped 2 invalid rows");
    expect(lenient.stderr).toContain(`${file}:5: prompt:`);
    expect(lenient.stderr).toContain("dropped 1 duplicate rows");
  });

  const badRows: [string, (row: ReturnType<typeof demoRow>) => unknown, RegExp][] = [
    [
      "missing criterion",
      (row) => delete row.rubrics[2]?.criterion,
      /:3: rubrics\.2\.criterion: Invalid input: expected string, received undefined/,
    ],
    [
      "non-numeric points",
      (row) => (row.rubrics[1] = { ...row.rubrics[1], points: "ten" }),
      /:3: rubrics\.1\.points: Invalid input: expected number, received string/,
    ],
    ["empty rubric list", (row) => (row.rubrics = []), /:3: rubrics: must have at least one rubric item/],
    ["verdict count differs", (row) => row.verdicts.pop(), /:3: verdicts: has \d+ verdicts for \d+ rubric items/],
    [
      "tag not a string",
      (row) => (row.rubrics[0] = { ...row.rubrics[0], tags: ["axis:accuracy", 7] }),
      /:3: rubrics\.0\.tags\.1: Invalid input: expected string, received number/,
    ],
    [
      "no positive points",
      (row) => {
        for (const item of row.rubrics) item.points = -1;
      },
      /:3: rubrics: no rubric item has positive points/,
    ],
    [
      "points that overflow to NaN",
      (row) => {
        for (const item of row.rubrics) item.points = 1e308;
      },
      /:3: rubrics: the points are too large to score/,
    ],
  ];

  it.each(badRows)("names file, line and field for %s", async (_name, breakRow, expected) => {
    const row = demoRow();
    breakRow(row);
    const file = await tempFile("bad.jsonl", [demoLines[1] as string, demoLines[2] as string, JSON.stringify(row)]);
    const { code, stderr, stdout } = await runCli(["score", "--input", file]);
    expect(code).toBe(EXIT_CODES.input);
    expect(stdout).toBe("");
    expect(stderr).toMatch(new RegExp(`^medrubric: ${file.replaceAll("/", "\\/")}${expected.source}`));
  });

  it("names broken JSON by line", async () => {
    const file = await tempFile("broken.jsonl", [demoLines[0] as string, '{"prompt_id": "a", "prompt": [}']);
    const { code, stderr } = await runCli(["score", "--input", file]);
    expect(code).toBe(EXIT_CODES.input);
    expect(stderr).toContain(`${file}:2: $: invalid JSON:`);
  });

  it("exits with distinct codes for a missing file and a bad flag", async () => {
    const missing = await runCli(["score", "--input", "/nonexistent/graded.jsonl"]);
    expect(missing.code).toBe(EXIT_CODES.not_found);
    expect(missing.stderr).toContain("/nonexistent/graded.jsonl: cannot read");
    const badFlag = await runCli(["score", "--input", judged, "--bootstrap", "many"]);
    expect(badFlag.code).toBe(EXIT_CODES.usage);
    expect(badFlag.stderr).toContain("expected an integer from 1 to 1,000,000");
  });

  it("refuses a --per-example path that is the graded input, leaving the input whole", async () => {
    const file = await tempFile("g.jsonl", demoLines);
    const before = readFileSync(file, "utf8");
    const { code, stderr } = await runCli(["score", "--input", file, "--per-example", file]);
    expect(code).toBe(EXIT_CODES.usage);
    expect(stderr).toContain(`${file}: the output is also an input (${file})`);
    expect(readFileSync(file, "utf8")).toBe(before);
  });
});
