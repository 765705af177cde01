/** Writing results as JSON in the format of their kind, and their HTML reports beside them. */
import { writeFileAtomic } from "../io/output-file.js";
import { type NamedResult, resultName } from "./read-result.js";
import { renderReport } from "./render-report.js";
import type { Result } from "./result-schemas.js";

/** The result's file text; typed by its kind's schema, so a writer cannot drift from what `report` reads. */
export const resultText = (result: Result, indent = 2): string => `${JSON.stringify(result.file, null, indent)}\n`;

/** `RESULT.html` for `RESULT.json`. */
export const reportFileBeside = (jsonFile: string): string => jsonFile.replace(/(\.json)?$/, ".html");

/**
 * Writes `RESULT.html` beside `RESULT.json` and returns its path; `extra` gives it a title and,
 * for a grading run, the graded answers for the Examples section.
 */
export async function writeReportBeside(
  jsonFile: string,
  result: Result,
  extra: Pick<NamedResult, "answers" | "title"> = {},
): Promise<string> {
  const htmlFile = reportFileBeside(jsonFile);
  await writeFileAtomic(htmlFile, await renderReport({ name: resultName(jsonFile), result, ...extra }));
  return htmlFile;
}
