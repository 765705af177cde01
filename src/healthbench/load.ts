/**
 * Loading HealthBench files: validated streaming, optional skipping of invalid rows, and
 * de-duplication. Two rows are the same example when they share the prompt id and the rubric
 * set (items compared whatever their order); graded rows are duplicates only when the graded
 * completion (and its id, if any) is the same too, so repeated samples of one example all count.
 * Rows are first put in buckets by a cheap key that equal rows share (prompt id, item count,
 * completion length and id), and only rows that share a bucket are hashed and compared: a file
 * without duplicates is read without hashing, where hashing every row twice took longer than
 * reading it. Rows are checked by a hand-written hot path first, zod for anything it doubts.
 */
import type { InputError } from "../core/errors.js";
import { hashJson } from "../core/hash.js";
import type { RubricItem } from "../core/types.js";
import { type JsonlReader, type JsonlReadOptions, readJsonl } from "../io/jsonl.js";
import { fastExample, fastGraded } from "./fast-validate.js";
import { completionLength, exampleSchema, type GradedExample, gradedExampleSchema, type HealthBenchExample } from "./schema.js";
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

/** A key that two rows with the same exampleKey always share (cheap: no hashing). */
function exampleBucket(example: Pick<HealthBenchExample, "prompt_id" | "rubrics">): string {
  return `${example.rubrics.length}\u0000${example.prompt_id}`;
}

function gradedBucket(row: GradedExample): string {
  return `${exampleBucket(row)}\u0000${row.completion.length}\u0000${completionLength(row.completion)}\u0000${row.completion_id ?? ""}`;
}

export function loadExamples(file: string, options: JsonlReadOptions = {}): Promise<Loaded<HealthBenchExample>> {
  return loadUnique(readJsonl(file, exampleSchema, options, fastExample), exampleBucket, exampleKey);
}

export function loadGraded(file: string, options: JsonlReadOptions = {}): Promise<Loaded<GradedExample>> {
  return loadUnique(readJsonl(file, gradedExampleSchema, options, fastGraded), gradedBucket, gradedKey);
}

export interface GradedLoadOptions extends JsonlReadOptions {
  /** Example tags by prompt id, for files that keep none (simple-evals output). */
  exampleTags?: ReadonlyMap<string, readonly string[]>;
}

/** Graded answers from medrubric's graded JSONL or from simple-evals' `<name>_allresults.json`. */
export async function loadGradedAnswers(file: string, options: GradedLoadOptions = {}): Promise<Loaded<GradedExample>> {
  if (!isAllResultsFile(file)) return loadGraded(file, options);
  const rows = await loadAllResults(file, options.exampleTags);
  const reader = {
    skipped: [],
    async *[Symbol.asyncIterator]() {
      for (const [i, value] of rows.entries()) yield { value, line: i + 1 };
    },
  };
  return loadUnique(reader, gradedBucket, gradedKey);
}

/** Example tags by prompt id from HealthBench rows. */
export async function exampleTagsFrom(file: string): Promise<Map<string, string[]>> {
  const { rows } = await loadExamples(file);
  return new Map(rows.map((row) => [row.prompt_id, row.example_tags]));
}

/** Rows in a bucket, and their full keys once the bucket has a second row. */
interface Bucket<T> {
  rows: T[];
  keys?: Set<string>;
}

async function loadUnique<T>(reader: JsonlReader<T>, bucketKey: (row: T) => string, key: (row: T) => string): Promise<Loaded<T>> {
  const buckets = new Map<string, Bucket<T>>();
  const rows: T[] = [];
  let duplicates = 0;
  for await (const { value } of reader) {
    const b = bucketKey(value);
    const bucket = buckets.get(b);
    if (!bucket) {
      buckets.set(b, { rows: [value] });
      rows.push(value);
      continue;
    }
    bucket.keys ??= new Set(bucket.rows.map(key));
    const k = key(value);
    if (bucket.keys.has(k)) {
      duplicates++;
      continue;
    }
    bucket.keys.add(k);
    rows.push(value);
  }
  return { rows, skipped: reader.skipped, duplicates };
}
