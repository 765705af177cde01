/** A grading run in a report: score, interval, judge failures, tokens and cost; scores by axis and by theme. */
import { intervalBars, renderSvg } from "./charts.js";
import { escapeHtml, figure, paragraph, table } from "./html.js";
import type { NamedResult } from "./read-result.js";
import type { GradingSummaryFile, ScoreReportFile } from "./result-schemas.js";

interface Run {
  name: string;
  report: ScoreReportFile;
  summary?: GradingSummaryFile;
}

const interval = (score: number, s: { bootstrap_std: number }) => ({
  low: Math.max(0, score - 1.96 * s.bootstrap_std),
  high: Math.min(1, score + 1.96 * s.bootstrap_std),
});

/** Scores always to three decimals, so 0 reads "0.000" beside "0.309" rather than "0". */
const fixed = (x: number) => x.toFixed(3);

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
  const failures = summary?.stats.failures ?? report.judge_failures?.items ?? 0;
  const { score } = report.overall;
  if (score === null) return [name, "none scored", "-", 0, failures, tokens, cost];
  const { low, high } = interval(score, report.overall);
  return [name, fixed(score), `${fixed(low)} - ${fixed(high)}`, report.overall.n, failures, tokens, cost];
}

function tagRows(runs: Run[], prefix: string) {
  return runs.flatMap(({ name, report }) =>
    Object.entries(report.by_tag).flatMap(([tag, s]) =>
      tag.startsWith(prefix) && s.score !== null
        ? [
            {
              label: `${tag.slice(prefix.length)} (n=${s.n})`,
              ...(runs.length > 1 ? { group: name } : {}),
              value: s.score,
              ...interval(s.score, s),
            },
          ]
        : [],
    ),
  );
}

/** A run none of whose examples could be scored says so, and where to see why, instead of showing empty charts. */
function noneScored({ name, report }: Run): string {
  if (report.overall.score !== null) return "";
  const items = report.judge_failures?.items ?? 0;
  return paragraph(
    `No example of ${name} could be scored: the judge failed on ${items} rubric items, and every example lost all its positive items. ` +
      "The Examples section (or `medrubric report --input GRADED.jsonl`) shows each failure in the explanation column.",
  );
}

function differences(runs: Run[]): string {
  const [a, b] = runs;
  if (!a || !b) return "";
  const tags = ["overall", ...Object.keys({ ...a.report.by_tag, ...b.report.by_tag })];
  const rows = tags.map((tag) => {
    const [x, y] = [a, b].map((r) => (tag === "overall" ? r.report.overall : r.report.by_tag[tag])?.score);
    const score = (v: number | null | undefined) => (typeof v === "number" ? fixed(v) : "-");
    return [tag, score(x), score(y), typeof x === "number" && typeof y === "number" ? fixed(y - x) : "-"];
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
  const charts = await Promise.all(
    [
      ["Score by axis (95% bootstrap interval)", tagRows(runs, "axis:")] as const,
      ["Score by theme (95% bootstrap interval)", tagRows(runs, "theme:")] as const,
    ].map(async ([title, rows]) => (rows.length > 0 ? figure(await renderSvg(intervalBars(title, rows))) : "")),
  );
  return `${words}${overall}${runs.map(noneScored).join("")}${charts.join("")}${differences(runs)}`;
}
