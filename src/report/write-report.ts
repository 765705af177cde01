/** Reading results and writing their HTML reports. */
import { basename } from "node:path";
import { writeFileAtomic } from "../io/output-file.js";
import { readJsonFile } from "../io/read-file.js";
import { type NamedResult, renderReport } from "./render-report.js";

export async function readResult(file: string): Promise<NamedResult> {
  return { name: basename(file, ".json"), json: await readJsonFile(file) };
}

/** `RESULT.html` for `RESULT.json`. */
export const reportFileBeside = (jsonFile: string): string => jsonFile.replace(/(\.json)?$/, ".html");

/** Writes `RESULT.html` beside `RESULT.json` and returns its path. */
export async function writeReportBeside(jsonFile: string, json: unknown): Promise<string> {
  const htmlFile = reportFileBeside(jsonFile);
  await writeFileAtomic(htmlFile, await renderReport({ name: basename(jsonFile, ".json"), json }));
  return htmlFile;
}
