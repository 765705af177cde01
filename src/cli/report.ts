/** `medrubric report`: a self-contained HTML report with inline SVG charts from a result's JSON. */
import type { Command } from "commander";
import { checkOutputFiles, writeFileAtomic } from "../io/output-file.js";
import { readResult } from "../report/read-result.js";
import { renderReport } from "../report/render-report.js";

export function registerReport(program: Command): void {
  program
    .command("report")
    .description("render a result (score, grade/eval summary, rm-eval, standards coverage) as one HTML file with charts")
    .requiredOption("--in <file>", "the result's JSON: score --json, a grade/eval .summary.json, rm-eval --out, standards coverage --out")
    .option("--compare <file>", "another result of the same kind, shown side by side with the differences")
    .requiredOption("--out <file>", "the HTML report")
    .action(async (flags: { in: string; compare?: string; out: string }) => {
      await checkOutputFiles([flags.out], [flags.in, flags.compare]);
      const html = await renderReport(await readResult(flags.in), flags.compare ? await readResult(flags.compare) : undefined);
      await writeFileAtomic(flags.out, html);
      process.stdout.write(`wrote ${flags.out}\n`);
    });
}
