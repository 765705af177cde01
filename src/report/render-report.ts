/**
 * HTML reports: one self-contained file per result (a grading run, a reward-model evaluation,
 * a standards coverage, the learning hybrid's replay), charts as inline SVG, no network; with a second result of the same kind,
 * the two side by side with their differences. Results arrive validated (read-result.ts), typed by
 * the schema of their kind. A grading run read from its graded answers also gets the Examples
 * section, the one part with a script; the Content-Security-Policy allows that script alone.
 */
import { UsageError } from "../core/errors.js";
import { coverageSection } from "./coverage-section.js";
import { examplesSection, explorerScriptSource } from "./examples-section.js";
import { gradingSection } from "./grading-section.js";
import { escapeHtml, paragraph } from "./html.js";
import { hybridReplaySection } from "./hybrid-replay-section.js";
import type { NamedResult } from "./read-result.js";
import type { ResultKind } from "./result-schemas.js";
import { rmEvalSection } from "./rm-eval-section.js";

export type ReportKind = "grading" | "rm-eval" | "coverage" | "hybrid-replay";

/** A score report and a grading summary are both a grading run. */
export const reportKind = (kind: ResultKind): ReportKind => (kind === "score" || kind === "grading-summary" ? "grading" : kind);

const HEADINGS: Record<ReportKind, string> = {
  grading: "grading run",
  "rm-eval": "reward-model evaluation",
  coverage: "standards coverage",
  "hybrid-replay": "the learning hybrid's replay",
};

const SECTIONS: Record<ReportKind, (results: NamedResult[]) => Promise<string>> = {
  grading: gradingSection,
  "rm-eval": rmEvalSection,
  coverage: coverageSection,
  "hybrid-replay": hybridReplaySection,
};

const STYLE =
  "body{font-family:sans-serif;margin:2em auto;max-width:1100px;color:#222}table{border-collapse:collapse;margin:1em 0}" +
  "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}" +
  "td.best{background:#eef3fa}figure.chart{display:inline-block;margin:1em}p.source{color:#555}";

/** A grading report made from a score or a summary alone says how to get the one with every answer. */
const NO_EXAMPLES = paragraph(
  "This report was made from a score or summary file, which holds no answers. For the Examples section (every graded answer, " +
    "its criteria, verdicts and the judge's explanations), make it from the graded answers: " +
    "medrubric report --input GRADED.jsonl --out report.html (grade and eval write such a report beside their --out).",
);

export async function renderReport(main: NamedResult, compare?: NamedResult): Promise<string> {
  const kind = reportKind(main.result.kind);
  if (compare && reportKind(compare.result.kind) !== kind)
    throw new UsageError(`cannot compare a ${kind} result with a ${reportKind(compare.result.kind)} one`);
  const results = compare ? [main, compare] : [main];
  const heading = `medrubric: ${HEADINGS[kind]}`;
  const source = `${compare ? "Results" : "Result"}: ${results.map((r) => r.title ?? r.name).join(" compared with ")}`;
  const withAnswers = results.flatMap(({ name, answers }) => (answers ? [{ name, answers }] : []));
  const examples = kind === "grading" && withAnswers.length > 0 ? examplesSection(withAnswers) : "";
  const examplesNote = kind === "grading" && !examples ? NO_EXAMPLES : "";
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src ${examples ? explorerScriptSource() : "'none'"}`;
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}">` +
    `<title>${escapeHtml(`${main.title ?? results.map((r) => r.name).join(" vs ")} - ${heading}`)}</title>` +
    `<style>${STYLE}</style></head><body><h1>${escapeHtml(heading)}</h1><p class="source">${escapeHtml(source)}</p>` +
    `${await SECTIONS[kind](results)}${examples}${examplesNote}</body></html>\n`
  );
}
