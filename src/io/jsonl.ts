/**
 * Streaming JSONL: each line parsed and validated with a zod schema, errors naming
 * `FILE:LINE: field.path: problem`. Invalid rows either stop the read or, with
 * `skipInvalid`, are skipped and kept for the caller to count and show. Writes go through
 * writeFileAtomic (output-file.ts), so an interrupted run never leaves half a file.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { z } from "zod";
import { InputError, NotFoundError } from "../core/errors.js";
import { writeFileAtomic } from "./output-file.js";

export interface JsonlRow<T> {
  value: T;
  line: number;
}

export interface JsonlReadOptions {
  skipInvalid?: boolean;
}

export interface JsonlReader<T> extends AsyncIterable<JsonlRow<T>> {
  /** Errors of the rows skipped so far (only with `skipInvalid`). */
  readonly skipped: InputError[];
}

/** Dotted field path of a zod issue: `rubrics.3.points`; `$` for the row itself. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? "$" : path.map(String).join(".");
}

/** Parses one line; throws an InputError naming the file, line and every offending field. */
export function parseJsonlLine<S extends z.ZodType>(text: string, schema: S, file: string, line: number): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InputError({ file, line, field: "$" }, `invalid JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const [first, ...rest] = parsed.error.issues;
  const problem =
    (first?.message ?? "invalid") + rest.map((issue) => `\n${file}:${line}: ${fieldPath(issue.path)}: ${issue.message}`).join("");
  throw new InputError({ file, line, field: fieldPath(first?.path ?? []) }, problem);
}

export function readJsonl<S extends z.ZodType>(file: string, schema: S, options: JsonlReadOptions = {}): JsonlReader<z.output<S>> {
  const skipped: InputError[] = [];
  async function* rows(): AsyncGenerator<JsonlRow<z.output<S>>> {
    const stream = createReadStream(file, { encoding: "utf8" });
    const opened = new Promise<void>((resolve, reject) => {
      stream.once("open", () => resolve());
      stream.once("error", reject);
    });
    try {
      await opened;
    } catch (error) {
      throw new NotFoundError(`${file}: cannot read: ${(error as Error).message}`, { cause: error });
    }
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    let line = 0;
    for await (const rawText of lines) {
      line++;
      const text = line === 1 ? rawText.replace(/^\uFEFF/, "") : rawText;
      if (text.trim() === "") continue;
      try {
        yield { value: parseJsonlLine(text, schema, file, line), line };
      } catch (error) {
        if (!(options.skipInvalid && error instanceof InputError)) throw error;
        skipped.push(error);
      }
    }
  }
  return { skipped, [Symbol.asyncIterator]: rows };
}

/** Every row's value, in file order; the first invalid row stops the read. */
export async function readJsonlValues<S extends z.ZodType>(file: string, schema: S): Promise<z.output<S>[]> {
  const values: z.output<S>[] = [];
  for await (const { value } of readJsonl(file, schema)) values.push(value);
  return values;
}

/** Writes rows as JSONL atomically, creating the folder when needed. */
export async function writeJsonl(file: string, rows: Iterable<unknown>): Promise<void> {
  let text = "";
  for (const row of rows) text += `${JSON.stringify(row)}\n`;
  await writeFileAtomic(file, text);
}
