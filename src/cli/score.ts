/** `medrubric score`: HealthBench scores of graded answers, as a table or one JSON object. */
import type { Command } from "commander";
import { InputError, UsageError } from "../core/errors.js";
import { DEFAULT_RESAMPLES, DEFAULT_SEED } from "../healthbench/aggregate.js";
import { exampleTagsFrom, type Loaded, loadGradedAnswers } from "../healthbench/load.js";
import type { GradedExample } from "../healthbench/schema.js";
import { type ExampleResult, type ScoreReport, scoreGraded } from "../healthbench/score-graded.js";
import type { LengthAdjustment } from "../healthbench/scoring.js";
import { writeJsonl } from "../io/jsonl.js";
import { checkOutputFiles } from "../io/output-file.js";
import { resultText } from "../report/write-report.js";
import { deprecatedAlias } from "./cli-vocabulary.js";
import { integerIn, MAX_SEED, numberIn } from "./flag-ranges.js";
import { formatScoreTable } from "./score-table.js";

interface ScoreFlags {
  input: string;
  exampleTags?: string;
  json?: boolean;
  perExample?: string;
  skipInvalid?: boolean;
  seed: number;
  bootstrap: number;
  lengthPenalty?: number;
  lengthCenter?: number;
}

export const DEFAULT_LENGTH_CENTER = 2000;

export function registerScore(program: Command): void {
  const command = program
    .command("score")
    .description("score graded answers exactly as HealthBench does")
    .requiredOption(
      "--input <file>",
      "graded rows (JSONL: prompt_id, prompt, example_tags, rubrics, completion, verdicts) or simple-evals' <name>_allresults.json",
    )
    .option("--example-tags <file>", "HealthBench rows whose example_tags fill in by prompt_id (simple-evals output keeps none)")
    .option("--json", "print one JSON object {overall, by_tag} instead of the table")
    .option("--per-example <file>", "write {prompt_id, score, metrics} per example as JSONL")
    .option("--skip-invalid", "skip rows that fail validation (they are counted on stderr)")
    .option("--seed <n>", "bootstrap seed", integerIn(0, MAX_SEED), DEFAULT_SEED)
    .option("--bootstrap <n>", "bootstrap resamples", integerIn(1, 1_000_000), DEFAULT_RESAMPLES)
    .option("--length-penalty <x>", "also report score - x * (length - center) / 500, length in characters", numberIn(0, 100))
    .option("--length-center <chars>", `length the penalty is centred on (default ${DEFAULT_LENGTH_CENTER})`, numberIn(0, 10_000_000))
    .action(async (flags: ScoreFlags) => {
      if (flags.lengthCenter !== undefined && flags.lengthPenalty === undefined) {
        throw new UsageError("--length-center needs --length-penalty");
      }
      const lengthAdjustment =
        flags.lengthPenalty === undefined
          ? undefined
          : { penalty: flags.lengthPenalty, center: flags.lengthCenter ?? DEFAULT_LENGTH_CENTER };
      await checkOutputFiles([flags.perExample], [flags.input]);
      const scored = await scoreFile(flags.input, { ...flags, lengthAdjustment });
      // A report shows such a run (and why); a score of nothing is an error here, so a script never reads one.
      if (scored.examples.length === 0)
        throw new InputError(
          { file: flags.input },
          `no example could be scored: every one lost its positive items to judge failures (\`medrubric report --input ${flags.input} --out report.html\` shows them)`,
        );
      process.stdout.write(
        flags.json ? resultText({ kind: "score", file: scored.report }, 0) : formatScoreTable(scored.report, scored.title),
      );
      if (flags.perExample) await writeJsonl(flags.perExample, scored.examples);
    });
  deprecatedAlias(command, "--graded <file>", "--input");
}

export interface ScoredFile {
  report: ScoreReport;
  examples: ExampleResult[];
  title: string;
  /** The graded rows read (duplicates dropped), and each one's score: null when no positive item could be graded. */
  rows: GradedExample[];
  rowScores: (number | null)[];
}

/** Loads and scores a graded file, telling stderr about skipped and duplicate rows; `examples` is empty when none could be scored. */
export async function scoreFile(
  file: string,
  options: { skipInvalid?: boolean; exampleTags?: string; seed?: number; bootstrap?: number; lengthAdjustment?: LengthAdjustment },
): Promise<ScoredFile> {
  const exampleTags = options.exampleTags ? await exampleTagsFrom(options.exampleTags) : undefined;
  const loaded = await loadGradedAnswers(file, { skipInvalid: options.skipInvalid ?? false, exampleTags });
  reportDropped(file, loaded);
  if (loaded.rows.length === 0) throw new InputError({ file }, "no valid graded rows to score");
  const { report, examples, rowMetrics } = scoreGraded(loaded.rows, {
    seed: options.seed ?? DEFAULT_SEED,
    resamples: options.bootstrap ?? DEFAULT_RESAMPLES,
    lengthAdjustment: options.lengthAdjustment,
  });
  return {
    report,
    examples,
    title: `HealthBench score of ${file} (${examples.length} examples)`,
    rows: loaded.rows,
    rowScores: rowMetrics.map((metrics) => (metrics?.overall_score as number | undefined) ?? null),
  };
}

/** Tells stderr about skipped invalid rows (their lines and problems, the first few) and dropped duplicates of a file. */
export function reportDropped(file: string, loaded: Loaded<unknown>, sameAs = "same prompt_id, rubric set and completion"): void {
  const shown = 5;
  if (loaded.skipped.length > 0) {
    process.stderr.write(`${file}: skipped ${loaded.skipped.length} invalid rows:\n`);
    for (const error of loaded.skipped.slice(0, shown)) process.stderr.write(`  ${error.message.replaceAll("\n", "\n  ")}\n`);
    if (loaded.skipped.length > shown) process.stderr.write(`  ... and ${loaded.skipped.length - shown} more\n`);
  }
  if (loaded.duplicates > 0) process.stderr.write(`${file}: dropped ${loaded.duplicates} duplicate rows (${sameAs})\n`);
}
