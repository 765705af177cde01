/** The human-readable score table: overall, then per axis and per theme. */
import type { ClippedStat } from "../healthbench/aggregate.js";
import type { ScoreReport } from "../healthbench/score-graded.js";

const NAME_WIDTH = 34;

function row(name: string, stat: ClippedStat): string {
  return `${name.padEnd(NAME_WIDTH)}${(stat.score === null ? "-" : stat.score.toFixed(4)).padStart(8)}${stat.bootstrap_std.toFixed(4).padStart(9)}${String(stat.n).padStart(7)}`;
}

function group(report: ScoreReport, prefix: string, heading: string): string[] {
  const entries = Object.entries(report.by_tag).filter(([tag]) => tag.startsWith(prefix));
  if (entries.length === 0) return [];
  return [heading, ...entries.map(([tag, stat]) => row(`  ${tag.slice(prefix.length)}`, stat))];
}

export function formatScoreTable(report: ScoreReport, title: string): string {
  const lines = [
    title,
    `${"".padEnd(NAME_WIDTH)}${"score".padStart(8)}${"std".padStart(9)}${"n".padStart(7)}`,
    row("overall", report.overall),
  ];
  lines.push(...group(report, "axis:", "by axis"), ...group(report, "theme:", "by theme"));
  const adjusted = report.length_adjusted;
  if (adjusted)
    lines.push(`length-adjusted: score - ${adjusted.penalty} * (characters - ${adjusted.center}) / 500`, row("  overall", adjusted));
  const failures = report.judge_failures;
  if (failures) {
    lines.push(
      `judge failures: ${failures.items} rubric items left out of the score, ${failures.examples_excluded} examples left out entirely`,
    );
  }
  return `${lines.join("\n")}\n`;
}
