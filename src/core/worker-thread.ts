/**
 * Starting a worker thread from either the built code or the TypeScript sources, and errors as
 * they cross a thread boundary. Shared by the reward server's scoring thread and the encoders'
 * embedding pool.
 */
import { Worker } from "node:worker_threads";
import { type ErrorKind, MedrubricError } from "./errors.js";

/** An error as it crosses the thread boundary; a MedrubricError keeps its kind (400 vs 500, exit code). */
export interface ThreadError {
  message: string;
  kind?: ErrorKind;
}

export const toThreadError = (error: unknown): ThreadError => ({
  message: error instanceof Error ? error.message : String(error),
  kind: error instanceof MedrubricError ? error.kind : undefined,
});

export const fromThreadError = (error: ThreadError): Error =>
  error.kind ? new MedrubricError(error.kind, error.message) : new Error(error.message);

/**
 * A worker running `entry` (a module URL ending in .js, or .ts when run from the sources) with
 * `workerData`.
 */
export function spawnWorker(entry: URL, workerData: unknown): Worker {
  const execArgv = workerExecArgv();
  if (!entry.pathname.endsWith(".ts")) return new Worker(entry, { workerData, execArgv });
  // Run from the TypeScript sources (tests, benchmarks): tsx's loader does not reach worker threads
  // by itself, so the thread registers it before importing its entry.
  const tsx = import.meta.resolve("tsx/esm/api");
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { eval: true, workerData, execArgv });
}

const EVAL_FLAGS = ["-e", "--eval", "-p", "--print"];

/**
 * The process's Node options without those about its main script (`node --input-type=module -e
 * CODE`), which a worker given a file refuses to start with.
 */
function workerExecArgv(): string[] {
  const all = process.execArgv;
  return all.filter((arg, i) => !arg.startsWith("--input-type") && !EVAL_FLAGS.includes(arg) && !EVAL_FLAGS.includes(all[i - 1] ?? ""));
}

/** The URL of a sibling module of `base` (an import.meta.url), as .ts when running from the sources, else .js. */
export function siblingModule(name: string, base: string): URL {
  return new URL(`./${name}.${base.endsWith(".ts") ? "ts" : "js"}`, base);
}
