/**
 * Where the store is, for every command that keeps one (grading, training, synthesis, scoring):
 * the explicit flag, then $MEDRUBRIC_STORE, then the default beside the working folder. A
 * postgres:// (or postgresql://) URL opens the shared Postgres store; anything else is a SQLite file.
 */
import { existsSync } from "node:fs";
import { NotFoundError } from "../core/errors.js";
import { DEFAULT_STORE, openSqliteStore } from "./sqlite-store.js";
import type { RunLivenessOptions, Store } from "./store.js";

export { DEFAULT_STORE };

/** The help of a command's --store flag. */
export const STORE_OPTION_HELP = `store: a SQLite file, or postgres://USER@HOST:PORT/DB[?pool=N&embeddings=FILE] shared by hosts (default: $MEDRUBRIC_STORE or ${DEFAULT_STORE})`;

export function storePath(flags: { store?: string }, env: NodeJS.ProcessEnv = process.env): string {
  return flags.store ?? (env.MEDRUBRIC_STORE || DEFAULT_STORE);
}

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

export async function openStore(flags: { store?: string }, options: RunLivenessOptions = {}): Promise<Store> {
  const location = storePath(flags);
  if (!isPostgresUrl(location)) return openSqliteStore(location, options);
  // Loaded only for a Postgres store: a command on the default SQLite file never loads the driver.
  const { openPostgresStore } = await import("./postgres-store.js");
  return openPostgresStore(location, options);
}

/** For a command that reads a store's verdicts: a SQLite path that names no file is a mistyped path, not an empty store to create. */
export function checkStoreExists(flags: { store?: string }): void {
  const location = storePath(flags);
  if (!isPostgresUrl(location) && !existsSync(location)) throw new NotFoundError(`${location}: no such store`);
}
