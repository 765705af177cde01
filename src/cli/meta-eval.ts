/**
 * `medrubric meta-eval`: agreement of the judge's verdicts with human reference labels, as a table
 * or one JSON object; with `--compare`, a second graded file (another --judge-style, grader prompt
 * or judge) is set against the same labels beside the first.
 */
import type { Command } from "commander";
import { InputError } from "../core/errors.js";
import { loadGraded } from "../healthbench/load.js";
import { type LabelRowAt, loadLabels, matchLabels } from "../judge/labels.js";
import { type MajorityStat, type MetaEvalReport, metaEvaluate } from "../judge/meta-eval.js";
import { deprecatedAlias } from "./cli-vocabulary.js";
import { reportDropped } from "./score.js";

export interface MetaEvalFiles {
  graded: string;
  labels: string;
}

export function registerMetaEval(program: Command): void {
  const command = program
    .command("meta-eval")
    .description("agreement of the judge's verdicts with human reference labels, beside the raters' agreement with each other")
    .requiredOption("--input <file>", "graded rows, as score reads them; a verdict may be a judge failure (criteria_met null)")
    .requiredOption("--labels <file>", "reference labels: medrubric label rows or HealthBench meta-eval rows")
    .option(
      "--compare <file>",
      "a second graded file of the same answers (e.g. `grade --judge-style rubric`), its agreement with the labels shown beside the first's",
    )
    .option("--json", "print one JSON object instead of the table (with --compare: the second report under `compared`)")
    .action(async (flags: { input: string; labels: string; json?: boolean; compare?: string }) => {
      const report = await runMetaEval({ graded: flags.input, labels: flags.labels });
      const compared = flags.compare === undefined ? undefined : await runMetaEval({ graded: flags.compare, labels: flags.labels });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(compared ? { ...report, compared: { graded: flags.compare, ...compared } } : report)}\n`);
        return;
      }
      process.stdout.write(formatMetaEvalTable(report, `judge in ${flags.input} vs labels in ${flags.labels}`));
      if (!compared) return;
      process.stdout.write(`\n${formatMetaEvalTable(compared, `judge in ${flags.compare} vs labels in ${flags.labels}`)}\n`);
      process.stdout.write(formatComparison(report, compared, [flags.input, flags.compare as string]));
    });
  deprecatedAlias(command, "--graded <file>", "--input");
}

/** Loads both files, matches labels to verdicts and computes every figure; dropped rows and unmatched labels go to stderr. */
export async function runMetaEval(files: MetaEvalFiles): Promise<MetaEvalReport> {
  const judged = await loadGraded(files.graded);
  reportDropped(files.graded, judged);
  const matched = matchLabels(judged.rows, await loadLabels(files.labels), files.labels);
  reportUnmatched(files.labels, matched.unmatched);
  if (matched.items.length + matched.judge_failures === 0) {
    throw new InputError({ file: files.labels }, "no label row matches a graded rubric item (same prompt_id and criterion text)");
  }
  return metaEvaluate(matched.items, { judge_failures: matched.judge_failures, unmatched_labels: matched.unmatched.length });
}

function reportUnmatched(file: string, unmatched: readonly LabelRowAt[]): void {
  const shown = 5;
  if (unmatched.length === 0) return;
  process.stderr.write(`${file}: ${unmatched.length} label rows match no graded rubric item:\n`);
  for (const { row, line } of unmatched.slice(0, shown)) {
    const criterion = row.criterion.length > 60 ? `${row.criterion.slice(0, 57)}...` : row.criterion;
    process.stderr.write(`  ${file}:${line}: prompt_id "${row.prompt_id}", criterion "${criterion}"\n`);
  }
  if (unmatched.length > shown) process.stderr.write(`  ... and ${unmatched.length - shown} more\n`);
}

const NAME_WIDTH = 40;

function cell(value: number | null | undefined, width: number, digits = 4): string {
  return (value === null || value === undefined ? "-" : value.toFixed(digits)).padStart(width);
}

function row(name: string, stat: Partial<MajorityStat>): string {
  return [
    name.padEnd(NAME_WIDTH),
    cell(stat.balanced_f1, 12),
    cell(stat.agreement, 10),
    cell(stat.kappa, 8),
    cell(stat.n, 8, 0),
    cell(stat.ties, 6, 0),
  ].join("");
}

function majorityGroup(heading: string, stats: Record<string, MajorityStat>): string[] {
  const entries = Object.entries(stats);
  return entries.length === 0 ? [] : [heading, ...entries.map(([name, stat]) => row(`  ${name}`, stat))];
}

export function formatMetaEvalTable(report: MetaEvalReport, title: string): string {
  const raters = report.judge_vs_raters;
  const lines = [
    title,
    `${report.n_items} items, ${report.n_labels} labels; left out: ${report.judge_failures} judge failures, ${report.unmatched_labels} unmatched labels`,
    `${"".padEnd(NAME_WIDTH)}${"balanced F1".padStart(12)}${"agreement".padStart(10)}${"kappa".padStart(8)}${"n".padStart(8)}${"ties".padStart(6)}`,
    row("judge vs raters: mean over raters", { balanced_f1: raters.mean_balanced_f1 }),
    row("  weighted by n", { balanced_f1: raters.weighted_mean_balanced_f1 }),
    row("  pooled (item, rater) pairs", { balanced_f1: raters.pooled_balanced_f1 }),
    ...Object.entries(raters.raters).map(([rater, stat]) => row(`  ${rater}`, stat)),
    row("judge vs majority", report.judge_vs_majority),
  ];
  const humans = report.rater_vs_rater;
  if (humans) {
    lines.push(
      row("rater vs rater: mean over pairs", { balanced_f1: humans.mean_balanced_f1 }),
      ...humans.pairs.map((pair) => row(`  ${pair.raters[0]} ~ ${pair.raters[1]}`, pair)),
      row("rater vs majority of the others: mean", { balanced_f1: humans.leave_one_out.mean_balanced_f1 }),
      ...Object.entries(humans.leave_one_out.raters).map(([rater, stat]) => row(`  ${rater}`, stat)),
    );
  }
  lines.push(
    ...majorityGroup("by axis: judge vs majority", report.by_axis),
    ...majorityGroup("by category: judge vs majority", report.by_category),
  );
  return `${lines.join("\n")}\n`;
}

/** The headline figures of two graded files against the same labels, one line each, and their difference. */
export function formatComparison(first: MetaEvalReport, second: MetaEvalReport, files: [string, string]): string {
  const line = (name: string, pick: (r: MetaEvalReport) => number | null, digits = 4) => {
    const [a, b] = [pick(first), pick(second)];
    const change = a === null || b === null ? "-" : `${b - a >= 0 ? "+" : ""}${(b - a).toFixed(digits)}`;
    return `${name.padEnd(NAME_WIDTH)}${cell(a, 10, digits)}${cell(b, 10, digits)}${change.padStart(10)}`;
  };
  return `${[
    `comparison: ${files[0]} (first) vs ${files[1]} (second)`,
    `${"".padEnd(NAME_WIDTH)}${"first".padStart(10)}${"second".padStart(10)}${"change".padStart(10)}`,
    line("judge vs raters: mean balanced F1", (r) => r.judge_vs_raters.mean_balanced_f1),
    line("judge vs raters: pooled balanced F1", (r) => r.judge_vs_raters.pooled_balanced_f1),
    line("judge vs majority: balanced F1", (r) => r.judge_vs_majority.balanced_f1),
    line("judge vs majority: agreement", (r) => r.judge_vs_majority.agreement),
    line("items judged", (r) => r.n_items, 0),
    line("judge failures", (r) => r.judge_failures, 0),
  ].join("\n")}\n`;
}
