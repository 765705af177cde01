/** Runs the real `medrubric` command line in a child process: the compiled one (built-cli.ts). */
import { builtCli } from "./built-cli.js";
import { type CommandOptions, type CommandResult, spawnCommand } from "./run-command.js";
import { projectRoot } from "./shared-data.js";

export type CliResult = CommandResult;

/** Starts the CLI; `result` settles when it exits (or is killed). */
export function spawnCli(args: readonly string[], options: CommandOptions = {}) {
  return spawnCommand(process.execPath, [builtCli, ...args], {
    cwd: options.cwd ?? projectRoot,
    env: options.env,
  });
}

export const runCli = (args: readonly string[], options: CommandOptions = {}): Promise<CliResult> => spawnCli(args, options).result;
