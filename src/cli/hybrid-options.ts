/** `serve`'s flags for the learning hybrid (`--error-budget E` and what tunes it), with their ranges and defaults. */
import type { Command } from "commander";
import { HYBRID_FLAG_DEFAULTS as D, HYBRID_DEFAULTS } from "../server/hybrid-defaults.js";
import { integerIn, numberIn } from "./flag-ranges.js";

export function addHybridOptions(command: Command): Command {
  return command
    .option(
      "--error-budget <e>",
      "with a judge: the learning hybrid, deciding criteria from the store's verdicts (and --model's P(met)) within a mean |reward error| per answer of E",
      numberIn(0, 1, { minExclusive: true }),
    )
    .option(
      "--audit-rate <r>",
      "share of the answers with criteria the hybrid decided whose decided criteria all go to the judge anyway, to measure its error",
      numberIn(0, 1),
      D.auditRate,
    )
    .option(
      "--refit-every <n>",
      "refit the hybrid's criterion heads and calibration after this many new judge verdicts",
      integerIn(1, 10_000_000),
      D.refitEvery,
    )
    .option("--refit-seconds <t>", "and at least this often while verdicts come in", integerIn(1, 86_400), D.refitSeconds)
    .option(
      "--refit-max-verdicts <n>",
      "judge verdicts a refit is fitted on at most (the newest); its CPU, in a worker thread, grows with them",
      integerIn(HYBRID_DEFAULTS.minObservations, 10_000_000),
      D.refitMaxVerdicts,
    )
    .option(
      "--memory-min-verdicts <n>",
      "verdicts on other answers to the prompt before the memory alone decides a criterion",
      integerIn(1, 1000),
      D.memoryMinVerdicts,
    )
    .option("--memory-limit <n>", "verdicts the memory reads per criterion at most (the newest)", integerIn(1, 10_000), D.memoryLimit)
    .option(
      "--memory-vectors <n>",
      "answers whose vectors the memory keeps in RAM at most (the most recent; 400 bytes each), others embedded again when needed",
      integerIn(1000, 100_000_000),
      D.memoryVectors,
    );
}
