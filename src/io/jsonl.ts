/**
 * Streaming JSONL: each line parsed and validated with a zod schema, errors naming
 * `FILE:LINE: field.path: problem`. Invalid rows either stop the read or, with
 * `skipInvalid`, are skipped and kept for the caller to count and show. Writes are atomic
 * (temporary file, then rename), so an interrupted run never leaves half a file.
 */
import { createReadStream } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { z } from "zod";
import { InputError, NotFoundError } from "../core/errors.js";

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
      throw new NotFoundError(`${file}: cannot read: ${(error as Error).message}`, { cause: error });
    }
    let line = 0;
    /** The rows of one \n-terminated piece of text, which may hold more line breaks (\r, \r\n). */
    function* parse(piece: string, mayHoldCr: boolean): Generator<JsonlRow<z.output<S>>> {
      const texts = mayHoldCr && piece.includes("\r") ? piece.split(/\r\n|\r/) : [piece];
      // "a\r" then "\n" is one break (readline's crlfDelay: Infinity), not two.
      if (texts.length > 1 && texts[texts.length - 1] === "" && piece.endsWith("\r")) texts.pop();
      for (const rawText of texts) {
        line++;
        const text = line === 1 ? rawText.replace(/^\uFEFF/, "") : rawText;
        if (text.trim() === "") continue;
        try {
          yield { value: parseJsonlLine(text, schema, file, line, fast), line };
        } catch (error) {
          if (!(options.skipInvalid && error instanceof InputError)) throw error;
          skipped.push(error);
        }
      }
    }
    // Lines are found in the bytes and each decoded alone: readline and a streaming UTF-8 decoder
    // cost more than the JSON.parse of the lines. A \n byte is never inside a multi-byte character.
    // Only a line that spans two pieces is copied, and only a piece holding a \r byte is searched
    // for one line by line.
    let rest: Buffer = Buffer.alloc(0);
    let restHoldsCr = false;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const chunkHoldsCr = chunk.indexOf(13) >= 0;
      let start = 0;
      let end = chunk.indexOf(10);
      if (rest.length > 0 && end >= 0) {
        yield* parse(Buffer.concat([rest, chunk.subarray(0, end)]).toString("utf8"), restHoldsCr || chunkHoldsCr);
        start = end + 1;
        end = chunk.indexOf(10, start);
        rest = Buffer.alloc(0);
      }
      for (; end >= 0; end = chunk.indexOf(10, start)) {
        yield* parse(chunk.toString("utf8", start, end), chunkHoldsCr);
        start = end + 1;
      }
      if (start < chunk.length) {
        rest = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk.subarray(start);
        restHoldsCr ||= chunkHoldsCr;
      } else restHoldsCr = false;
    }
    if (rest.length > 0) yield* parse(rest.toString("utf8"), restHoldsCr);
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

export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text, "utf8");
  await rename(temporary, file);
}
