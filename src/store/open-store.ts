/**
 * Where the store is, for every command that keeps one (grading, training, synthesis, scoring):
 * the explicit flag, then $MEDRUBRIC_STORE, then the default beside the working folder.
 */
import { openSqliteStore } from "./sqlite-store.js";
import type { Store } from "./store.js";

export const DEFAULT_STORE = ".medrubric/store.sqlite";

export function storePath(flags: { store?: string }, env: NodeJS.ProcessEnv = process.env): string {
  return flags.store ?? (env.MEDRUBRIC_STORE || DEFAULT_STORE);
}

export async function openStore(flags: { store?: string }): Promise<Store> {
  return openSqliteStore(storePath(flags));
}
