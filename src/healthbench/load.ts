/**
 * Loading HealthBench files: validated streaming, optional skipping of invalid rows, and
 * de-duplication. Two rows are the same example when they share the prompt id and the rubric
 * set (items compared whatever their order); graded rows are duplicates only when the graded
 * completion (and its id, if any) is the same too, so repeated samples of one example all count.
 */
import type { InputError } from "../core/errors.js";
import { hashJson } from "../core/hash.js";
import type { RubricItem } from "../core/types.js";
import { type JsonlReader, type JsonlReadOptions, readJsonl } from "../io/jsonl.js";
import { exampleSchema, type GradedExample, gradedExampleSchema, type HealthBenchExample } from "./schema.js";
import { isAllResultsFile, loadAllResults } from "./simple-evals-results.js";

export interface Loaded<T> {
  rows: T[];
  /** Invalid rows skipped with `skipInvalid`, with their file:line errors. */
  skipped: InputError[];
  /** Rows dropped as duplicates of an earlier row. */
  duplicates: number;
}

export function exampleKey(example: Pick<HealthBenchExample, "prompt_id" | "rubrics">): string {
  const rubricSet = example.rubrics.map((item: RubricItem) => hashJson([item.criterion, item.points, [...item.tags].sort()])).sort();
  return hashJson([example.prompt_id, rubricSet]);
}

export function gradedKey(row: GradedExample): string {
  return hashJson([exampleKey(row), row.completion, row.completion_id ?? null]);
}

export function loadExamples(file: string, options: JsonlReadOptions = {}): Promise<Loaded<HealthBenchExample>> {
  return loadUnique(readJsonl(file, exampleSchema, options), exampleKey);
}

export function loadGraded(file: string, options: JsonlReadOptions = {}): Promise<Loaded<GradedExample>> {
  return loadUnique(readJsonl(file, gradedExampleSchema, options), gradedKey);
}

export interface GradedLoadOptions extends JsonlReadOptions {
  /** Example tags by prompt id, for files that keep none (simple-evals output). */
  exampleTags?: ReadonlyMap<string, readonly string[]>;
}

/** Graded answers from medrubric's graded JSONL or from simple-evals' `<name>_allresults.json`. */
export async function loadGradedAnswers(file: string, options: GradedLoadOptions = {}): Promise<Loaded<GradedExample>> {
  if (!isAllResultsFile(file)) return loadGraded(file, options);
  const rows = await loadAllResults(file, options.exampleTags);
  return loadUnique(
    (async function* () {
      for (const [i, value] of rows.entries()) yield { value, line: i + 1 };
    })(),
    gradedKey,
    [],
  );
}

/** Example tags by prompt id from HealthBench rows. */
export async function exampleTagsFrom(file: string): Promise<Map<string, string[]>> {
  const { rows } = await loadExamples(file);
  return new Map(rows.map((row) => [row.prompt_id, row.example_tags]));
}

async function loadUnique<T>(
  reader: AsyncIterable<{ value: T }>,
  key: (row: T) => string,
  skipped: InputError[] = (reader as JsonlReader<T>).skipped,
): Promise<Loaded<T>> {
  const seen = new Set<string>();
  const rows: T[] = [];
  let duplicates = 0;
  for await (const { value } of reader) {
    const k = key(value);
    if (seen.has(k)) {
      duplicates++;
      continue;
    }
    seen.add(k);
    rows.push(value);
  }
  return { rows, skipped, duplicates };
}
