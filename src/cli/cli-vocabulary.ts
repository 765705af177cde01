/**
 * One vocabulary for every command, on commander's own hooks: old flag names kept working as
 * hidden aliases that say once what replaced them; required options marked "(required)" in
 * --help and all the missing ones named in one error, after commander has reported an unknown
 * option (a misspelt `--modle` is named as unknown, not as a missing `--model`); examples at the
 * end of each command's --help.
 */
import { type Command, Option } from "commander";

/**
 * Keeps `flags` (e.g. `--graded <file>`) working as another name of the command's option `to`:
 * hidden from --help, its value goes to `to`, and stderr says once that it is deprecated.
 */
export function deprecatedAlias(command: Command, flags: string, to: string): Command {
  const target = command.options.find((option) => option.long === to);
  if (!target) throw new Error(`${command.name()}: no option ${to} to alias ${flags} to`);
  const alias = new Option(flags, `deprecated: use ${to}`).hideHelp();
  command.addOption(alias);
  command.on(`option:${alias.name()}`, (value: string) => {
    process.stderr.write(`medrubric: ${alias.long} is deprecated; use ${to} (same meaning)\n`);
    const previous = command.getOptionValue(target.attributeName());
    command.setOptionValueWithSource(target.attributeName(), target.parseArg ? target.parseArg(value, previous) : value, "cli");
  });
  return command;
}

/**
 * Takes the required options' check over from commander, which reports the first missing one
 * before it looks for unknown options: each is marked "(required)" in --help, and a hook that
 * runs after the unknown-option check names every missing one at once.
 */
export function checkRequiredTogether(program: Command, commands: readonly Command[]): void {
  const required = new Map<Command, Option[]>();
  for (const command of commands) {
    const options = command.options.filter((option) => option.mandatory);
    for (const option of options) {
      option.mandatory = false;
      option.description = `${option.description} (required)`;
    }
    if (options.length > 0) required.set(command, options);
  }
  program.hook("preAction", (_program, command) => {
    const missing = (required.get(command) ?? []).filter((option) => command.getOptionValue(option.attributeName()) === undefined);
    if (missing.length === 0) return;
    const names = missing.map((option) => `'${option.flags}'`).join(", ");
    command.error(`error: required option${missing.length > 1 ? "s" : ""} ${names} not specified`, {
      code: "commander.missingMandatoryOptionValue",
    });
  });
}

/** Adds "Examples:" with these command lines to the end of the command's --help. */
export function addExamples(command: Command, examples: readonly string[]): void {
  command.addHelpText("after", `\nExamples:\n${examples.map((line) => `  $ ${line}`).join("\n")}\n`);
}
