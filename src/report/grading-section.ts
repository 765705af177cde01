/** A grading run in a report: score, interval, judge failures, tokens and cost; scores by axis and by theme. */
import { intervalBars, renderSvg } from "./charts.js";
import { escapeHtml, figure, fmt, paragraph, table } from "./html.js";
import type { NamedResult } from "./read-result.js";
import type { GradingSummaryFile, ScoreReportFile } from "./result-schemas.js";

interface Run {
  name: string;
  report: ScoreReportFile;
  summary?: GradingSummaryFile;
}

const interval = (s: { score: number; bootstrap_std: number }) => ({
  low: Math.max(0, s.score - 1.96 * s.bootstrap_std),
  high: Math.min(1, s.score + 1.96 * s.bootstrap_std),
});

function runsOf(results: NamedResult[]): Run[] {
  return results.flatMap(({ name, result }) =>
    result.kind === "score"
      ? [{ name, report: result.file }]
      : result.kind === "grading-summary"
        ? [{ name, report: result.file.report, summary: result.file }]
        : [],
  );
}

function overallRow({ name, report, summary }: Run): unknown[] {
  const usage = summary?.usage.map((u) => u.usage) ?? [];
  const tokens = usage.length ? usage.reduce((n, u) => n + u.promptTokens + u.completionTokens, 0) : "-";
  const cost = usage.some((u) => u.cost !== undefined) ? usage.reduce((n, u) => n + (u.cost ?? 0), 0).toFixed(4) : "-";
  const { low, high } = interval(report.overall);
  const failures = summary?.stats.failures ?? report.judge_failures?.items ?? 0;
  return [name, report.overall.score, `${fmt(low)} - ${fmt(high)}`, report.overall.n, failures, tokens, cost];
}

function tagRows(runs: Run[], prefix: string) {
  return runs.flatMap(({ name, report }) =>
    Object.entries(report.by_tag)
      .filter(([tag]) => tag.startsWith(prefix))
      .map(([tag, s]) => ({
        label: `${tag.slice(prefix.length)} (n=${s.n})`,
        ...(runs.length > 1 ? { group: name } : {}),
        value: s.score,
        ...interval(s),
      })),
  );
}

function differences(runs: Run[]): string {
  const [a, b] = runs;
  if (!a || !b) return "";
  const tags = ["overall", ...Object.keys({ ...a.report.by_tag, ...b.report.by_tag })];
  const rows = tags.map((tag) => {
    const [x, y] = [a, b].map((r) => (tag === "overall" ? r.report.overall : r.report.by_tag[tag])?.score);
    return [tag, x, y, typeof x === "number" && typeof y === "number" ? y - x : "-"];
  });
  return `<h2>Differences (${escapeHtml(b.name)} - ${escapeHtml(a.name)})</h2>${table(["tag", a.name, b.name, "difference"], rows)}`;
}

export async function gradingSection(results: NamedResult[]): Promise<string> {
  const runs = runsOf(results);
  const words = paragraph(
    "Each row of the table is one grading run: its HealthBench score (the mean over examples of the rubric points earned, clipped to [0, 1]) " +
      "with a 95% bootstrap interval, the number of examples, the rubric items the judge failed on (left out of the score, never counted as not met), " +
      "and the tokens and cost of the judge. The charts break the score down by rubric axis and by example theme; n is the examples behind each bar.",
  );
  const overall = table(
    ["run", "score", "95% interval (bootstrap)", "n", "judge failures", "tokens (prompt + completion)", "cost"],
    runs.map(overallRow),
  );
  const charts = [
    figure(await renderSvg(intervalBars("Score by axis (95% bootstrap interval)", tagRows(runs, "axis:")))),
    figure(await renderSvg(intervalBars("Score by theme (95% bootstrap interval)", tagRows(runs, "theme:")))),
  ];
  return `${words}${overall}${charts.join("")}${differences(runs)}`;
}
