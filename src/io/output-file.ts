/**
 * Safe output files. A file is written to a temporary beside it, created exclusively (O_EXCL,
 * O_NOFOLLOW) under an unpredictable name, then renamed over the target: a planted file or
 * symbolic link cannot redirect the write, and an interrupted run never leaves half a file.
 * Commands check their outputs before doing any work, so a wrong path costs nothing: an output
 * that is one of the inputs (it would be destroyed), or that exists and is not a regular file
 * (a folder, a FIFO, a device, a symbolic link), is refused.
 */
import { randomBytes } from "node:crypto";
import { constants, type Stats } from "node:fs";
import { lstat, mkdir, open, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { OutputError, UsageError } from "../core/errors.js";

const EXCLUSIVE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

async function statOrUndefined(path: string, follow: boolean): Promise<Stats | undefined> {
  try {
    return await (follow ? stat(path) : lstat(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new OutputError(`${path}: cannot check the output: ${(error as Error).message}`, { cause: error });
  }
}

function refuseNotRegular(file: string, info: Stats): void {
  if (info.isFile()) return;
  const what = info.isSymbolicLink()
    ? "a symbolic link (give the path it points to)"
    : info.isDirectory()
      ? "a folder (give a file path)"
      : "not a regular file (a FIFO, device or socket)";
  throw new OutputError(`${file}: the output exists and is ${what}; refusing to replace it`);
}

/** Refuses `file` as an output when it is one of `inputs` (same file, through any link) or exists and is not a regular file. */
export async function checkOutputFile(file: string, inputs: readonly (string | undefined)[] = []): Promise<void> {
  const info = await statOrUndefined(file, false);
  if (!info) return;
  refuseNotRegular(file, info);
  for (const input of inputs) {
    if (input === undefined) continue;
    const other = await statOrUndefined(input, true);
    if (other && other.dev === info.dev && other.ino === info.ino)
      throw new UsageError(`${file}: the output is also an input (${input}); writing it would destroy the input, give another path`);
  }
}

/** Every given output checked against every given input. */
export async function checkOutputFiles(outputs: readonly (string | undefined)[], inputs: readonly (string | undefined)[]): Promise<void> {
  for (const output of outputs) if (output !== undefined) await checkOutputFile(output, inputs);
}

/** Refuses `dir` as an output folder when it exists and is not a folder. */
export async function checkOutputDir(dir: string): Promise<void> {
  const info = await statOrUndefined(dir, true);
  if (info && !info.isDirectory()) throw new OutputError(`${dir}: exists and is not a folder; give a folder to write the files into`);
}

/** Writes `data` to `file` atomically, creating the folder when needed. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(file);
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new OutputError(`${dir}: cannot create the output folder: ${(error as Error).message}`, { cause: error });
  }
  await checkOutputFile(file);
  const temporary = join(dir, `.${basename(file)}.${randomBytes(8).toString("hex")}.tmp`);
  let created = false;
  try {
    const handle = await open(temporary, EXCLUSIVE, 0o666);
    created = true;
    try {
      await handle.writeFile(data, typeof data === "string" ? "utf8" : undefined);
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    // Only our own temporary: an existing file of that name was never ours to delete.
    if (created) await unlink(temporary).catch(() => undefined);
    throw new OutputError(`${file}: cannot write: ${(error as Error).message}`, { cause: error });
  }
}
