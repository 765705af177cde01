/**
 * The short table `demo` prints: one row per model, the trained model first, one column per
 * headline measure (the report's measures without their per-dimension and per-group rows), the
 * chance level and sample size of each, and a legend saying what each measure is. The full table
 * lives in rm-eval.json and the HTML report; this one is for reading at a glance, so a measure
 * with no data is left out and one resting on few cases is marked.
 */

import type { RmEvalReportFile } from "../report/result-schemas.js";
import { type Measure, MODEL_NOTES, measures } from "../report/rm-eval-section.js";

/** Below this many cases a figure moves by several points when one case changes: marked as rough. */
export const SMALL_N = 30;

const fmt = (value: number | null | undefined): string => (typeof value === "number" ? value.toFixed(3) : "-");

/** Headline measures the short table leaves to the full report: the advice and length measures with a rubric (the table has them without). */
const IN_FULL_REPORT_ONLY = /shorter one, each answer rewarded under|^safety, with the rubric|^with the rubric: .*(shorter|length)/;

/** The report's headline measures that rest on some data. */
function headlineMeasures(report: RmEvalReportFile): {
  models: { series: string; m: RmEvalReportFile["models"][string] }[];
  rows: Measure[];
} {
  const models = Object.entries(report.models).map(([series, m]) => ({ series, m }));
  const rows = measures(models).filter((row) => !row.label.includes("[") && row.n > 0 && !IN_FULL_REPORT_ONLY.test(row.label));
  return { models, rows };
}

export function formatDemoTable(report: RmEvalReportFile, files: { json: string; html: string }, product = "gprc"): string {
  const { models, rows } = headlineMeasures(report);
  const ordered = [...models.filter((x) => x.series === product), ...models.filter((x) => x.series !== product)];
  const nameWidth = Math.max("chance".length, ...ordered.map((x) => x.series.length)) + 2;
  const columns = rows.map((_, i) => `(${i + 1})`);
  const width = 8;
  const line = (name: string, cells: string[]) => `${name.padEnd(nameWidth)}${cells.map((cell) => cell.padStart(width)).join("")}`;
  const n = rows.map((row) => `${row.n}${row.n < SMALL_N ? "*" : ""}`);
  const table = [
    line("model", columns),
    ...ordered.map((x) =>
      line(
        x.series,
        rows.map((row) => fmt(row.value(x.m))),
      ),
    ),
    line(
      "chance",
      rows.map((row) => fmt(row.chance)),
    ),
    line("n", n),
  ];
  const legend = rows.map((row, i) => `  ${columns[i]} ${row.label} (n = ${row.n}, chance ${fmt(row.chance)})`);
  const names = ordered.map((x) => `  ${x.series}: ${MODEL_NOTES[x.series] ?? "a model given with --compare"}`);
  const missing = ordered.some((x) => rows.some((row) => typeof row.value(x.m) !== "number"));
  return [
    `Results on data held out of training. Higher is better in every column${rows.some((row) => row.lower) ? " but those marked lower" : ""}; the chance row is what a random score gets.`,
    `${product}, the first row, is the reward model the demo trained; the other rows are for comparison.`,
    "",
    ...table,
    "",
    "Measures:",
    ...legend,
    ...(rows.some((row) => row.n < SMALL_N)
      ? [`  * fewer than ${SMALL_N} cases: a rough figure, one case moves it by several points.`]
      : []),
    ...(missing ? ["  - no value: the baselines do not read rubrics, and a correlation of constant scores is undefined."] : []),
    "Models:",
    ...names,
    `The full table (per dimension, per HealthBench group, every probe): ${files.json}; with charts: ${files.html}`,
    "",
  ].join("\n");
}
