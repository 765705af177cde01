import { afterEach, describe, expect, it, vi } from "vitest";
import { projectRoot } from "../../test/shared-data.js";
import { EXIT_CODES } from "../core/errors.js";
import { HELP_EXAMPLES } from "./help-examples.js";
import { allCommands, buildProgram, commandPath, runCli } from "./program.js";

/** Runs the CLI in process with stdout and stderr captured. */
async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return { code: await runCli(["node", "medrubric", ...argv]), stdout, stderr };
  } finally {
    vi.restoreAllMocks();
  }
}

const helpOf = (path: string) => {
  const command = allCommands(buildProgram()).find((c) => commandPath(c) === path);
  if (!command) throw new Error(`no command ${path}`);
  return command.helpInformation();
};

/** Commands that do something (not groups such as `synth`). */
const actionCommands = () =>
  allCommands(buildProgram()).filter((c) => (c as unknown as { _actionHandler: unknown })._actionHandler !== null);

describe("one command-line vocabulary", () => {
  afterEach(() => vi.restoreAllMocks());

  it("names a misspelt flag as unknown, with the flag it resembles, before any missing required option", async () => {
    const { code, stderr } = await run(["reward", "--modle", "X"]);
    expect(code).toBe(EXIT_CODES.usage);
    expect(stderr).toContain("error: unknown option '--modle'\n(Did you mean --model?)");
    expect(stderr).not.toContain("required");
  });

  it("names every missing required option at once, and marks each one (required) in --help", async () => {
    const { code, stderr } = await run(["reward", "--out", "x.jsonl"]);
    expect(code).toBe(EXIT_CODES.usage);
    expect(stderr).toContain("error: required options '--input <file>', '--model <dir>' not specified");
    const grade = helpOf("grade").replace(/\s+/g, " ");
    expect(grade.match(/\(required\)/g)).toHaveLength(5);
    const described = grade.split(/ (?=--[a-z-]+ )/);
    for (const flag of ["--input <file>", "--examples <file>", "--judge-url <url...>", "--judge-model <name>", "--out <file>"])
      expect(described.find((text) => text.startsWith(flag))?.trim(), flag).toMatch(/\(required\)$/);
  });

  it("calls the file a command reads --input everywhere, and --model a model directory everywhere", () => {
    // train and rm-eval read several kinds of data at once, each named by its kind.
    const readsSeveral = new Set(["train", "rm-eval"]);
    for (const command of actionCommands()) {
      const visible = command.options.filter((o) => !o.hidden).map((o) => o.long);
      if (!readsSeveral.has(commandPath(command)))
        for (const old of ["--in", "--data", "--graded", "--responses"]) expect(visible, commandPath(command)).not.toContain(old);
      const model = command.options.find((o) => o.long === "--model" && !o.hidden);
      if (model) expect(model.flags, commandPath(command)).toBe("--model <dir>");
    }
  });

  it("keeps the old names working, each with a one-line note naming the new one", async () => {
    const graded = `${projectRoot}/data/demo/graded.jsonl`;
    const [now, before] = [await run(["score", "--input", graded]), await run(["score", "--graded", graded])];
    expect(now.code).toBe(0);
    expect(before.code).toBe(0);
    expect(before.stdout).toBe(now.stdout);
    expect(now.stderr).toBe("");
    expect(before.stderr).toBe("medrubric: --graded is deprecated; use --input (same meaning)\n");
    // eval's --model was the LLM's name; it is --model-name now, as --judge-model names the judge.
    const evalRun = await run(["eval", "--model", "m", "--data", "x.jsonl"]);
    expect(evalRun.stderr).toContain("medrubric: --model is deprecated; use --model-name (same meaning)\n");
    expect(evalRun.stderr).toContain("medrubric: --data is deprecated; use --input (same meaning)\n");
    expect(evalRun.stderr).not.toMatch(/required options? .*(--model-name|--input)/);
  });

  it("ends every command's --help with examples that use only flags the command has", () => {
    for (const command of actionCommands()) {
      const path = commandPath(command);
      const examples = HELP_EXAMPLES[path];
      expect(examples, path).toBeDefined();
      for (const example of examples ?? []) {
        expect(example.startsWith(`medrubric ${path} `) || example === `medrubric ${path}`, example).toBe(true);
        // As many words before the first flag as the command has required arguments (`data fetch healthbench`).
        const positional = example.slice(`medrubric ${path}`.length).trim().split(" --")[0]?.split(" ").filter(Boolean) ?? [];
        expect(positional.length, example).toBeGreaterThanOrEqual(command.registeredArguments.filter((a) => a.required).length);
        for (const flag of example.match(/ --[a-z-]+/g) ?? [])
          expect(
            command.options.some((o) => o.long === flag.trim() && !o.hidden),
            `${example}: ${flag}`,
          ).toBe(true);
      }
    }
  });

  it("has none of the reported help-text defects", async () => {
    const { stdout } = await run(["rerank", "--help"]);
    expect(stdout.match(/4096/g)).toHaveLength(1);
    expect(stdout).toContain("Examples:\n  $ medrubric rerank --model models/rm");
    const serve = (await run(["serve", "--help"])).stdout.replace(/\s+/g, " ");
    expect(serve).not.toContain("; (an integer");
    expect((await run(["demo", "--help"])).stdout.replace(/\s+/g, " ")).toContain("HealthBench physician pairs");
  });
});
