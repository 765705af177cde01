/**
 * The test run's Postgres server, started once by global-setup.ts: a fresh database for each test
 * that asks, or the reason the Postgres tests are skipped (said once by the global setup).
 */
import { join } from "node:path";
import { inject } from "vitest";
import { createDatabase } from "./postgres-server.js";

const provided = inject("postgres");

/** Why the Postgres tests are skipped in this run, or undefined when they run. */
export const postgresSkipped: string | undefined = "skipped" in provided ? provided.skipped : undefined;

/** The suffix of a Postgres test's name, shown when it is skipped. */
export const needsPostgres = "[postgres]";

/** A store URL on a new, empty database, its embedding cache in `dir` (never the checkout's .medrubric/). */
export async function freshPostgresStore(dir: string): Promise<string> {
  if (!("url" in provided)) throw new Error(`no Postgres server: ${provided.skipped}`);
  return `${await createDatabase(provided.url)}?embeddings=${encodeURIComponent(join(dir, "embeddings.sqlite"))}`;
}
