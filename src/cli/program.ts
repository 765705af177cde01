/**
 * The `medrubric` command line as a program: every command registered, each numeric flag's range
 * added to its help, and the single place where errors become messages and exit codes. `main.ts`
 * runs it; tests parse with it in process.
 */
import { Command, CommanderError } from "commander";
import { EXIT_CODES, exitCodeOf, MedrubricError } from "../core/errors.js";
import { packageVersion } from "../io/package-files.js";
import { addExamples, checkRequiredTogether } from "./cli-vocabulary.js";
import { registerDataFetch } from "./data-fetch.js";
import { registerDemo } from "./demo.js";
import { registerEval } from "./eval.js";
import { describeRange, rangeOf } from "./flag-ranges.js";
import { registerGrade } from "./grade.js";
import { HELP_EXAMPLES } from "./help-examples.js";
import { registerMetaEval } from "./meta-eval.js";
import { registerReport } from "./report.js";
import { registerReward } from "./reward.js";
import { registerRmEval } from "./rm-eval.js";
import { registerRubrics } from "./rubrics.js";
import { registerScore } from "./score.js";
import { registerServe } from "./serve.js";
import { registerStandards } from "./standards.js";
import { registerSynth } from "./synth.js";
import { registerTrain } from "./train.js";
import { registerVerdicts } from "./verdicts.js";

export function buildProgram(): Command {
  const program = new Command("medrubric")
    .description("rubric-based grading and multi-dimensional reward models for medical LLM answers")
    .version(packageVersion())
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)");
  for (const register of [
    registerDemo,
    registerScore,
    registerGrade,
    registerEval,
    registerMetaEval,
    registerStandards,
    registerRubrics,
    registerSynth,
    registerTrain,
    registerReward,
    registerRmEval,
    registerServe,
    registerReport,
    registerVerdicts,
    registerDataFetch,
  ])
    register(program);
  const commands = allCommands(program);
  for (const command of commands) {
    addRangesToHelp(command);
    const examples = HELP_EXAMPLES[commandPath(command)];
    if (examples) addExamples(command, examples);
  }
  checkRequiredTogether(program, commands);
  return program;
}

/** The program and every command under it, depth first. */
export function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)];
}

/** A command's words after `medrubric`: `synth generate`. */
export const commandPath = (command: Command): string => (command.parent ? `${commandPath(command.parent)} ${command.name()}`.trim() : "");

/** Help says each numeric flag's range where the flag is described, from the parser's own declaration. */
function addRangesToHelp(command: Command): void {
  for (const option of command.options) {
    const range = rangeOf(option.parseArg);
    if (range) option.description = `${option.description} (${describeRange(range)})`;
  }
}

export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_CODES.usage;
    const message = error instanceof MedrubricError ? error.message : `internal error: ${(error as Error).stack ?? String(error)}`;
    process.stderr.write(`medrubric: ${message}\n`);
    return exitCodeOf(error);
  }
}
