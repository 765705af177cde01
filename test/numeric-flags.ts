/**
 * Every numeric flag of the command line, found by walking the real program: the command path
 * (`synth generate`), the flag, its declared range and its default. The range test and the
 * README check read this list, so a new flag cannot go unchecked or undocumented.
 */
import type { Option } from "commander";
import { type FlagRange, rangeOf } from "../src/cli/flag-ranges.js";
import { allCommands, buildProgram, commandPath } from "../src/cli/program.js";

export interface NumericFlag {
  command: string;
  option: Option;
  flag: string;
  range: FlagRange;
}

export function numericFlags(): NumericFlag[] {
  return allCommands(buildProgram()).flatMap((command) =>
    command.options.flatMap((option) => {
      const range = rangeOf(option.parseArg);
      return range ? [{ command: commandPath(command), option, flag: option.long as string, range }] : [];
    }),
  );
}

/** Options that parse their argument without a range: lists and repeatable flags, not numbers. */
export function parsedWithoutRange(): string[] {
  return allCommands(buildProgram()).flatMap((command) =>
    command.options.filter((o) => o.parseArg && !rangeOf(o.parseArg)).map((o) => `${commandPath(command)} ${o.long}`),
  );
}
