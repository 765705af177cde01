/**
 * Verified, resumable downloads. Bytes go to `FILE.part`; an interrupted transfer (dropped
 * connection, 5xx, a restart of the program) continues from there with an HTTP Range request.
 * The file gets its final name only once its size and sha256 match the published ones; a
 * mismatch is refused and the bad bytes removed, so a later run starts clean.
 */
import { createHash } from "node:crypto";
import { constants, createReadStream } from "node:fs";
import { open, rename, rm, stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { describeError, IntegrityError, NetworkError } from "../core/errors.js";
import { checkOutputFile } from "../io/output-file.js";

export interface DownloadTarget {
  url: string;
  path: string;
  bytes: number;
  sha256: string;
}

export interface DownloadOptions {
  fetch?: typeof globalThis.fetch;
  /** Further attempts after a failed one; each resumes where the last stopped. */
  retries?: number;
  /** First backoff delay; it doubles per attempt up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  onProgress?: (received: number, total: number) => void;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  /** Bytes that were already on disk when this call started (0 for a fresh download). */
  resumedFrom: number;
  attempts: number;
  alreadyPresent: boolean;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

const PART_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW;

const fileSize = (path: string): Promise<number> =>
  stat(path).then(
    (s) => s.size,
    () => -1,
  );

export async function downloadVerified(target: DownloadTarget, options: DownloadOptions = {}): Promise<DownloadResult> {
  const { retries = 5, backoffMs = 500, maxBackoffMs = 15_000 } = options;
  if ((await fileSize(target.path)) >= 0) {
    await verify(target.path, target).catch((error: Error) => {
      throw new IntegrityError(`${error.message}; delete it to download again`);
    });
    return { path: target.path, bytes: target.bytes, resumedFrom: target.bytes, attempts: 0, alreadyPresent: true };
  }
  const part = `${target.path}.part`;
  // The part's name is fixed so a restart can resume it; a planted link or FIFO there is refused, never followed.
  await checkOutputFile(part);
  let size = await fileSize(part);
  if (size > target.bytes) {
    await rm(part);
    size = -1;
  }
  const resumedFrom = Math.max(size, 0);
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      await transfer(target, part, options);
      if ((await fileSize(part)) >= target.bytes) break;
      throw new NetworkError(`${target.url}: connection closed after ${await fileSize(part)} of ${target.bytes} bytes`);
    } catch (error) {
      if (!(error instanceof NetworkError) || !isRetryable(error) || attempts > retries) throw error;
      await sleep(Math.min(maxBackoffMs, backoffMs * 2 ** (attempts - 1)));
    }
  }
  try {
    await verify(part, target);
  } catch (error) {
    await rm(part, { force: true });
    throw error;
  }
  await checkOutputFile(target.path);
  await rename(part, target.path);
  return { path: target.path, bytes: target.bytes, resumedFrom, attempts, alreadyPresent: false };
}

class HttpStatusError extends NetworkError {
  constructor(
    url: string,
    readonly status: number,
  ) {
    super(`${url}: HTTP ${status}`);
  }
}

const isRetryable = (error: NetworkError): boolean => !(error instanceof HttpStatusError) || error.status === 429 || error.status >= 500;

/** One HTTP request appending to `part`, from its current size. */
async function transfer(target: DownloadTarget, part: string, options: DownloadOptions): Promise<void> {
  const offset = Math.max(await fileSize(part), 0);
  if (offset === target.bytes) return;
  const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
  let response: Response;
  try {
    response = await (options.fetch ?? globalThis.fetch)(target.url, { headers });
  } catch (error) {
    throw new NetworkError(`${target.url}: ${describeError(error)}`, { cause: error });
  }
  if (response.status === 416) {
    // The part no longer fits the file on the server: start over.
    await response.body?.cancel();
    await rm(part, { force: true });
    throw new NetworkError(`${target.url}: range bytes=${offset}- not satisfiable; restarting the download`);
  }
  if (response.status !== 200 && response.status !== 206) {
    await response.body?.cancel();
    throw new HttpStatusError(target.url, response.status);
  }
  const served = servedSize(response);
  if (served !== undefined && served !== target.bytes) {
    await response.body?.cancel();
    throw new IntegrityError(`${target.url}: the server's file has ${served} bytes, the published one ${target.bytes}; refusing it`);
  }
  // A server that ignores Range answers 200 with the whole file: start over.
  const start = response.status === 206 ? offset : 0;
  if (response.status === 206 && !response.headers.get("content-range")?.startsWith(`bytes ${offset}-`)) {
    await response.body?.cancel();
    throw new NetworkError(`${target.url}: server answered a range other than bytes ${offset}-`);
  }
  let received = start;
  const counter = async function* (chunks: AsyncIterable<Uint8Array>) {
    for await (const chunk of chunks) {
      received += chunk.length;
      options.onProgress?.(received, target.bytes);
      yield chunk;
    }
  };
  try {
    if (!response.body) throw new Error("empty body");
    const file = await open(part, PART_FLAGS | (start > 0 ? constants.O_APPEND : constants.O_TRUNC));
    await pipeline(Readable.fromWeb(response.body as import("node:stream/web").ReadableStream), counter, file.createWriteStream());
  } catch (error) {
    throw new NetworkError(`${target.url}: transfer interrupted after ${received} bytes: ${describeError(error)}`, { cause: error });
  }
}

/** Size of the whole file on the server, from Content-Range (206) or Content-Length (200). */
function servedSize(response: Response): number | undefined {
  const header =
    response.status === 206 ? /\/(\d+)$/.exec(response.headers.get("content-range") ?? "")?.[1] : response.headers.get("content-length");
  return header ? Number(header) : undefined;
}

async function verify(path: string, target: DownloadTarget): Promise<void> {
  const size = await fileSize(path);
  if (size !== target.bytes) throw new IntegrityError(`${path}: size ${size} bytes, expected ${target.bytes} (from ${target.url})`);
  const actual = await sha256File(path);
  if (actual !== target.sha256) {
    throw new IntegrityError(`${path}: sha256 ${actual} does not match the published ${target.sha256} (from ${target.url}); refusing it`);
  }
}
