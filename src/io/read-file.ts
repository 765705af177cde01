/** Reading input files with the project's errors: a missing file is NotFoundError, bad JSON an InputError naming the file. */
import { readFile } from "node:fs/promises";
import type { z } from "zod";
import { InputError, NotFoundError } from "../core/errors.js";
import { fieldPath } from "./jsonl.js";
import { decodeUtf8File } from "./utf8.js";

/** The file's bytes; `hint` is added to the error when the file cannot be read. */
export async function readBytesFile(file: string, hint = ""): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new NotFoundError(`${file}: cannot read${hint}: ${(error as Error).message}`, { cause: error });
  }
}

/** The file's text, strict UTF-8 without a leading BOM; `hint` is added to the error when the file cannot be read. */
export async function readTextFile(file: string, hint = ""): Promise<string> {
  return decodeUtf8File(await readBytesFile(file, hint), file);
}

export async function readJsonFile(file: string, hint = ""): Promise<unknown> {
  const text = await readTextFile(file, hint);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError({ file, field: "$" }, `invalid JSON: ${(error as Error).message}`);
  }
}

/** The file's JSON, validated: a mismatch is an InputError naming the file and the first offending field. */
export async function readJsonFileAs<S extends z.ZodType>(file: string, schema: S, hint = ""): Promise<z.output<S>> {
  const parsed = schema.safeParse(await readJsonFile(file, hint));
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new InputError({ file, field: fieldPath(issue?.path ?? []) }, issue?.message ?? "invalid");
}
