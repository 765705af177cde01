/**
 * Streaming JSONL: each line parsed and validated with a zod schema, errors naming
 * `FILE:LINE: field.path: problem`. Invalid rows either stop the read or, with
 * `skipInvalid`, are skipped and kept for the caller to count and show. Writes go through
 * writeFileAtomic (output-file.ts), so an interrupted run never leaves half a file.
 */
import { createReadStream } from "node:fs";
import type { z } from "zod";
import { InputError, NotFoundError } from "../core/errors.js";
import { writeFileAtomic } from "./output-file.js";
import { decodeUtf8Line } from "./utf8.js";

export interface JsonlRow<T> {
  value: T;
  line: number;
}

export interface JsonlReadOptions {
  skipInvalid?: boolean;
}

/**
 * A hand-checked hot path for a schema: the schema's output for a value it accepts, or undefined
 * (for any value it rejects, or any the hot path is unsure of), and zod then decides and words
 * the error. It must never accept a value the schema rejects.
 */
export type FastParse<T> = (raw: unknown) => T | undefined;

export interface JsonlReader<T> extends AsyncIterable<JsonlRow<T>> {
  /** Errors of the rows skipped so far (only with `skipInvalid`). */
  readonly skipped: InputError[];
}

/** Dotted field path of a zod issue: `rubrics.3.points`; `$` for the row itself. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? "$" : path.map(String).join(".");
}

/** Parses one line; throws an InputError naming the file, line and every offending field. */
export function parseJsonlLine<S extends z.ZodType>(
  text: string,
  schema: S,
  file: string,
  line: number,
  fast?: FastParse<z.output<S>>,
): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InputError({ file, line, field: "$" }, `invalid JSON: ${(error as Error).message}`);
  }
  const quick = fast?.(raw);
  if (quick !== undefined) return quick;
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const [first, ...rest] = parsed.error.issues;
  const problem =
    (first?.message ?? "invalid") + rest.map((issue) => `\n${file}:${line}: ${fieldPath(issue.path)}: ${issue.message}`).join("");
  throw new InputError({ file, line, field: fieldPath(first?.path ?? []) }, problem);
}

export function readJsonl<S extends z.ZodType>(
  file: string,
  schema: S,
  options: JsonlReadOptions = {},
  fast?: FastParse<z.output<S>>,
): JsonlReader<z.output<S>> {
  const skipped: InputError[] = [];
  async function* rows(): AsyncGenerator<JsonlRow<z.output<S>>> {
    const stream = createReadStream(file, { highWaterMark: 1 << 20 });
    const opened = new Promise<void>((resolve, reject) => {
      stream.once("open", () => resolve());
      stream.once("error", reject);
    });
    try {
      await opened;
    } catch (error) {
      throw cannotRead(file, error);
    }
    let line = 0;
    for await (const bytes of byteLines(stream, file)) {
      line++;
      let value: z.output<S>;
      try {
        const decoded = decodeUtf8Line(bytes, file, line);
        const text = line === 1 ? decoded.replace(/^\uFEFF/, "") : decoded;
        if (text.trim() === "") continue;
        value = parseJsonlLine(text, schema, file, line, fast);
      } catch (error) {
        if (!(options.skipInvalid && error instanceof InputError)) throw error;
        skipped.push(error);
        continue;
      }
      yield { value, line };
    }
  }
  return { skipped, [Symbol.asyncIterator]: rows };
}

const cannotRead = (file: string, error: unknown) =>
  new NotFoundError(`${file}: cannot read: ${(error as Error).message}`, { cause: error });

/**
 * The file's lines as bytes (without "\n" or "\r\n"), so each is decoded strictly on its own and
 * an invalid byte is reported with its line. A long line's chunks are joined once, at its end.
 */
async function* byteLines(stream: AsyncIterable<Buffer>, file: string): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  const take = (tail: Buffer): Buffer => {
    const whole = pending.length === 0 ? tail : Buffer.concat([...pending, tail]);
    pending = [];
    return whole.at(-1) === 0x0d ? whole.subarray(0, -1) : whole;
  };
  try {
    for await (const chunk of stream) {
      let start = 0;
      for (let end = chunk.indexOf(0x0a); end >= 0; end = chunk.indexOf(0x0a, start)) {
        yield take(chunk.subarray(start, end));
        start = end + 1;
      }
      if (start < chunk.length) pending.push(chunk.subarray(start));
    }
  } catch (error) {
    throw cannotRead(file, error);
  }
  if (pending.length > 0) yield take(Buffer.alloc(0));
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
