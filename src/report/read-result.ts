/**
 * Reading a result file for `report`: its JSON, validated against the schema of its kind
 * (result-schemas.ts). A file that is no result, a JSONL file of graded rows above all, is
 * answered with the file's name and the inputs `report` reads, not with a JSON parser's message.
 */
import { basename, dirname, join } from "node:path";
import { InputError, UsageError } from "../core/errors.js";
import { fieldPath } from "../io/jsonl.js";
import { readTextFile } from "../io/read-file.js";
import type { GradedAnswers } from "./examples-data.js";
import { RESULT_KINDS, type Result } from "./result-schemas.js";

export interface NamedResult {
  name: string;
  /** What the report is of, in words (the page's title); its name when absent. */
  title?: string;
  result: Result;
  /** For a run read from graded answers: the answers themselves, for the Examples section. */
  answers?: GradedAnswers;
}

export const READS = `report reads the JSON of ${RESULT_KINDS.map((k) => k.writtenBy).join("; ")}`;

/** A result's name in a report: its file's, without `.json` and a grading summary's `.summary`. */
export const resultName = (file: string): string => basename(file, ".json").replace(/\.summary$/, "");

export async function readResult(file: string): Promise<NamedResult> {
  return { name: resultName(file), result: parseResult(parseJsonText(await readTextFile(file), file), file) };
}

function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (isJsonLines(text))
      throw new UsageError(
        `${file}: one JSON value per line (JSONL), not a result; ${READS}. For graded rows, \`medrubric score --input ${file} --json > score.json\` writes one`,
      );
    throw new InputError({ file, field: "$" }, `invalid JSON: ${(error as Error).message}; ${READS}`);
  }
}

/** Two or more lines, each JSON on its own: a JSONL file. */
function isJsonLines(text: string): boolean {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  if (lines.length < 2) return false;
  return lines.slice(0, 3).every((line) => {
    try {
      JSON.parse(line);
      return true;
    } catch {
      return false;
    }
  });
}

/** The result of the kind whose top-level key the JSON has; a bad field of that kind is named. */
export function parseResult(json: unknown, file = "result"): Result {
  if (isDemoSummary(json))
    throw new UsageError(
      `${file}: the demo's summary.json (its headline figures), not a result; the demo's result is rm-eval.json in the same folder: \`medrubric report --input ${join(dirname(file), "rm-eval.json")} --out report.html\` (the demo writes that report as rm-eval.html already)`,
    );
  const kind = RESULT_KINDS.find((k) => json !== null && typeof json === "object" && !Array.isArray(json) && k.key in json);
  if (!kind) throw new UsageError(`${file}: not a medrubric result; ${READS}`);
  const parsed = kind.schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(
      { file, field: fieldPath(issue?.path ?? []) },
      `${issue?.message ?? "invalid"} (a ${kind.kind} result, as written by ${kind.writtenBy})`,
    );
  }
  return { kind: kind.kind, file: parsed.data } as Result;
}

/** The demo's summary.json: its models are a list of headline rows (an rm-eval result's are keyed by name). */
function isDemoSummary(json: unknown): boolean {
  return json !== null && typeof json === "object" && Array.isArray((json as { models?: unknown }).models);
}
