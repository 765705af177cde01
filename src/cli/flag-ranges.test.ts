import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type NumericFlag, numericFlags, parsedWithoutRange } from "../../test/numeric-flags.js";
import { runCli as runCliProcess } from "../../test/run-cli.js";
import { projectRoot } from "../../test/shared-data.js";
import { EXIT_CODES } from "../core/errors.js";
import { describeRange, type FlagRange, inRange } from "./flag-ranges.js";
import { runCli } from "./program.js";

/** Values just outside the range at each end, and a fraction for integer flags. */
function outside(range: FlagRange): string[] {
  const step = range.integer ? 1 : 0.01;
  const values = [range.minExclusive ? range.min : range.min - step, range.maxExclusive ? range.max : range.max + step];
  if (range.integer) values.push(range.min + 0.5);
  return [...values.map(String), "abc", ""];
}

/** Runs the CLI in process with stderr captured; parsing fails before any command's work starts. */
async function runQuiet(argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = "";
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  const code = await runCli(["node", "medrubric", ...argv]);
  vi.restoreAllMocks();
  return { code, stderr };
}

const flags = numericFlags();
const cases = flags.flatMap((f) => outside(f.range).map((value) => [f.command, f.flag, value, f] as [string, string, string, NumericFlag]));

describe("numeric flag ranges", () => {
  afterEach(() => vi.restoreAllMocks());

  it("finds the flags: every command's numeric flags, and no other option parses its argument", () => {
    expect(flags.length).toBeGreaterThan(40);
    for (const [command, flag] of [
      ["train", "--batch-size"],
      ["train", "--validation-share"],
      ["serve", "--max-batch"],
      ["grade", "--concurrency"],
      ["score", "--bootstrap"],
    ])
      expect(flags.some((f) => f.command === command && f.flag === flag)).toBe(true);
    // Choices (commander checks them) and lists: no numeric range.
    expect(parsedWithoutRange().sort()).toEqual([
      "data fetch --subset",
      "eval --judge-style",
      "grade --judge-style",
      "rm-eval --compare",
      "serve --judge-style",
      "serve --on-unjudged",
      "synth degrade --dimensions",
      "synth generate --dimensions",
      "verdicts list --older-than",
      "verdicts remove --older-than",
    ]);
  });

  it.each(flags.map((f) => [f.command, f.flag, f] as const))("%s %s: its default and both bounds are in range", (_c, _f, flag) => {
    const { range, option } = flag;
    if (option.defaultValue !== undefined) expect(inRange(option.defaultValue, range)).toBe(true);
    const parse = option.parseArg as (value: string, previous: unknown) => number;
    if (!range.minExclusive) expect(parse(String(range.min), undefined)).toBe(range.min);
    if (!range.maxExclusive) expect(parse(String(range.max), undefined)).toBe(range.max);
    expect(option.description).toContain(`(${describeRange(range)})`);
  });

  it.each(cases)("%s %s=%j is a usage error naming the flag and its range", async (command, flag, value, { option, range }) => {
    const { code, stderr } = await runQuiet([...command.split(" "), `${flag}=${value}`]);
    expect(code).toBe(EXIT_CODES.usage);
    expect(stderr).toContain(`option '${option.flags}' argument '${value}' is invalid. expected ${describeRange(range)}`);
  });

  it("the README lists every numeric flag with its range and commands", () => {
    const readme = readFileSync(join(projectRoot, "README.md"), "utf8");
    for (const { command, flag, range } of flags) {
      const row = readme.split("\n").find((line) => line.startsWith(`| \`${flag}\` | ${describeRange(range)} |`));
      expect(row, `${command} ${flag}`).toBeDefined();
      expect(
        row
          ?.split("|")[3]
          ?.split(",")
          .map((c) => c.trim()),
      ).toContain(command);
    }
  });

  it("the real command refuses train --batch-size 0 before training (exit 64, no stack trace)", async () => {
    const result = await runCliProcess(["train", "--units", "data/seed/units.jsonl", "--out", "/nonexistent/x", "--batch-size", "0"]);
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stderr).toContain("option '--batch-size <n>' argument '0' is invalid. expected an integer from 1 to 65,536");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
