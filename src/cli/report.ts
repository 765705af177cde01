/** `medrubric report`: a self-contained HTML report with inline SVG charts from a result's JSON. */

import { basename } from "node:path";
import type { Command } from "commander";
import { UsageError } from "../core/errors.js";
import { checkOutputFiles, writeFileAtomic } from "../io/output-file.js";
import { readAnswerRewards } from "../report/answer-rewards.js";
import { type NamedResult, readResult } from "../report/read-result.js";
import { renderReport } from "../report/render-report.js";
import { deprecatedAlias } from "./cli-vocabulary.js";
import { scoreFile } from "./score.js";

interface ReportFlags {
  input: string;
  compare?: string;
  out: string;
  exampleTags?: string;
  rewards?: string;
  compareRewards?: string;
}

export function registerReport(program: Command): void {
  const command = program
    .command("report")
    .description(
      "render a result (score, grade/eval summary, rm-eval, standards coverage, the learning hybrid's replay) as one HTML file with charts",
    )
    .requiredOption(
      "--input <file>",
      "the result's JSON (score --json, a grade/eval .summary.json, rm-eval --out, standards coverage --out, bench/hybrid.bench.ts --json), or graded answers (graded JSONL, simple-evals' <name>_allresults.json), scored first and listed one by one",
    )
    .option("--example-tags <file>", "for graded answers: HealthBench rows whose example_tags fill in by prompt_id")
    .option("--compare <file>", "another result of the same kind, shown side by side with the differences")
    .option(
      "--rewards <file>",
      "for graded answers: `medrubric reward` output on the --input answers with their rubrics (P(met) per criterion)",
    )
    .option("--compare-rewards <file>", "the same for the --compare answers")
    .requiredOption("--out <file>", "the HTML report")
    .action(async (flags: ReportFlags) => {
      await checkOutputFiles([flags.out], [flags.input, flags.compare, flags.exampleTags, flags.rewards, flags.compareRewards]);
      if (flags.compareRewards && !flags.compare) throw new UsageError("--compare-rewards needs --compare");
      const read = (file: string, rewards: string | undefined) => readReportInput(file, flags.exampleTags, rewards);
      const html = await renderReport(
        await read(flags.input, flags.rewards),
        flags.compare ? await read(flags.compare, flags.compareRewards) : undefined,
      );
      await writeFileAtomic(flags.out, html);
      process.stdout.write(`wrote ${flags.out}\n`);
    });
  deprecatedAlias(command, "--in <file>", "--input");
}

const isGradedFile = (file: string) => file.endsWith(".jsonl") || file.endsWith("_allresults.json");

/** Graded answers are scored as `score --input` scores them, and kept for the Examples section; anything else is a result file. */
async function readReportInput(file: string, exampleTags: string | undefined, rewardsFile: string | undefined): Promise<NamedResult> {
  if (!isGradedFile(file)) {
    if (rewardsFile)
      throw new UsageError(`reward-model output goes with graded answers (JSONL or _allresults.json), and ${file} is neither`);
    return readResult(file);
  }
  const { report, rows, rowScores } = await scoreFile(file, { exampleTags });
  const rewards = rewardsFile ? await readAnswerRewards(rewardsFile, rows) : undefined;
  return {
    name: basename(file).replace(/(\.jsonl|_allresults\.json)$/, ""),
    result: { kind: "score", file: report },
    answers: { rows, scores: rowScores, ...(rewards ? { rewards } : {}) },
  };
}
