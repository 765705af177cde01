/** `medrubric report`: a self-contained HTML report with inline SVG charts from a result's JSON. */

import { basename } from "node:path";
import type { Command } from "commander";
import { checkOutputFiles, writeFileAtomic } from "../io/output-file.js";
import { type NamedResult, readResult } from "../report/read-result.js";
import { renderReport } from "../report/render-report.js";
import { scoreFile } from "./score.js";

export function registerReport(program: Command): void {
  program
    .command("report")
    .description("render a result (score, grade/eval summary, rm-eval, standards coverage) as one HTML file with charts")
    .requiredOption(
      "--in <file>",
      "the result's JSON (score --json, a grade/eval .summary.json, rm-eval --out, standards coverage --out), or graded answers (graded JSONL, simple-evals' <name>_allresults.json), scored first",
    )
    .option("--example-tags <file>", "for graded answers: HealthBench rows whose example_tags fill in by prompt_id")
    .option("--compare <file>", "another result of the same kind, shown side by side with the differences")
    .requiredOption("--out <file>", "the HTML report")
    .action(async (flags: { in: string; compare?: string; out: string; exampleTags?: string }) => {
      await checkOutputFiles([flags.out], [flags.in, flags.compare, flags.exampleTags]);
      const read = (file: string) => readReportInput(file, flags.exampleTags);
      const html = await renderReport(await read(flags.in), flags.compare ? await read(flags.compare) : undefined);
      await writeFileAtomic(flags.out, html);
      process.stdout.write(`wrote ${flags.out}\n`);
    });
}

/** Graded answers are scored as `score --graded` scores them; anything else is a result file. */
async function readReportInput(file: string, exampleTags: string | undefined): Promise<NamedResult> {
  if (!file.endsWith(".jsonl") && !file.endsWith("_allresults.json")) return readResult(file);
  const { report } = await scoreFile(file, { exampleTags });
  return { name: basename(file).replace(/(\.jsonl|_allresults\.json)$/, ""), result: { kind: "score", file: report } };
}
