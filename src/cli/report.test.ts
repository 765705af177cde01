import { existsSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../test/run-cli.js";
import { tempDir } from "../../test/temp-dir.js";
import { EXIT_CODES } from "../core/errors.js";

describe("medrubric report", () => {
  it("renders a score result, alone and compared, and refuses what is not a result", async () => {
    const dir = await tempDir();
    const a = join(dir, "a.json");
    const b = join(dir, "b.json");
    await writeFile(a, (await runCli(["score", "--input", "data/demo/graded.jsonl", "--json"])).stdout);
    await writeFile(b, (await runCli(["score", "--input", "data/demo/graded.jsonl", "--json", "--seed", "3"])).stdout);
    const out = join(dir, "report.html");
    const single = await runCli(["report", "--input", a, "--out", out]);
    expect(single.code).toBe(0);
    expect(readFileSync(out, "utf8").match(/<svg/g)).toHaveLength(2);
    const compared = await runCli(["report", "--input", a, "--compare", b, "--out", out]);
    expect(compared.code).toBe(0);
    expect(readFileSync(out, "utf8")).toContain("Differences (b - a)");

    const junk = join(dir, "junk.json");
    await writeFile(junk, "{oops");
    const broken = await runCli(["report", "--input", junk, "--out", join(dir, "x.html")]);
    expect(broken.code).toBe(EXIT_CODES.input);
    expect(broken.stderr).toContain(`${junk}: $: invalid JSON`);
    expect(broken.stderr).toContain("report reads the JSON of rm-eval --out");
    await writeFile(junk, '{"hello": 1}');
    const other = await runCli(["report", "--input", junk, "--out", join(dir, "x.html")]);
    expect(other.code).toBe(EXIT_CODES.usage);
    expect(other.stderr).toContain(
      `${junk}: not a medrubric result; report reads the JSON of rm-eval --out (and the demo's rm-eval.json); standards coverage --out; grade and eval (the .summary.json beside --out); score --json`,
    );
    expect(existsSync(join(dir, "x.html"))).toBe(false);
  });

  it("answers JSONL under another name with its name, the inputs it reads and how to make one", async () => {
    const dir = await tempDir();
    const misnamed = join(dir, "graded.json");
    await writeFile(misnamed, readFileSync("data/demo/graded.jsonl"));
    const result = await runCli(["report", "--input", misnamed, "--out", join(dir, "x.html")]);
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stderr).toContain(`${misnamed}: one JSON value per line (JSONL), not a result; report reads the JSON of `);
    expect(result.stderr).toContain(`\`medrubric score --input ${misnamed} --json > score.json\` writes one`);
    expect(result.stderr).not.toContain("Unexpected non-whitespace");
  });

  it("points from the demo's summary.json to the result beside it", async () => {
    const dir = await tempDir();
    const summary = join(dir, "summary.json");
    await writeFile(summary, JSON.stringify({ seconds: 1, models: [{ model: "gprc" }], data: {}, lines: ["gprc ..."] }));
    const result = await runCli(["report", "--input", summary, "--out", join(dir, "x.html")]);
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stderr).toContain(`${summary}: the demo's summary.json (its headline figures), not a result`);
    expect(result.stderr).toContain(`medrubric report --input ${join(dir, "rm-eval.json")} --out report.html`);
    expect(result.stderr).not.toContain("expected record");
  });

  it("scores graded answers itself: graded JSONL and simple-evals output give the score report", async () => {
    const dir = await tempDir();
    for (const input of [
      "data/demo/graded.jsonl",
      "test/fixtures/simple-evals/healthbench_custom_consensus_short_20250513_1752_allresults.json",
    ]) {
      const out = join(dir, "graded.html");
      const result = await runCli(["report", "--input", input, "--out", out]);
      expect(result.code, result.stderr).toBe(0);
      expect(readFileSync(out, "utf8")).toContain("<svg");
    }
  });
});
