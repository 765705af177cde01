/**
 * Vitest global setup. Says once, in one line, which real-data tests are skipped and how to
 * point at their data; with MEDRUBRIC_REQUIRE_REAL_DATA=1 (set by .ci/run) missing data fails the
 * run instead, so CI can never pass by skipping them. And fails the run if the tests left a store
 * in the checkout (`.medrubric/`, the default when a command is run without --store), which a
 * user would find there after `npm test`. Builds dist first when a source is newer (built-cli.ts),
 * and starts the embeddings stand-in of the model the serving tests share (model-server.ts).
 * Starts the one Postgres server the Postgres tests share (test/postgres-server.ts, a database
 * per test) and stops it at the end; without Debian's binaries those tests are skipped with one
 * line saying why, except under MEDRUBRIC_REQUIRE_REAL_DATA=1 or CI, where that fails the run.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { ensureBuiltCli } from "./built-cli.js";
import { startStandin } from "./openai-standin.js";
import { type PostgresServer, postgresMissing, startPostgresServer } from "./postgres-server.js";
import { missingRealDataNote, projectRoot } from "./shared-data.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The stand-in whose embeddings the shared fixture model is trained and served with. */
    fixtureEmbeddingsUrl: string;
    /** Where that model is trained, once per run, by the first test file that needs it. */
    fixtureModelDir: string;
    /** The Postgres server the Postgres tests share (shared-postgres.ts), or why they are skipped. */
    postgres: { url: string } | { skipped: string };
  }
}

const checkoutStore = join(projectRoot, ".medrubric");

const required = process.env.MEDRUBRIC_REQUIRE_REAL_DATA === "1" || process.env.CI === "true";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const note = missingRealDataNote();
  if (note && process.env.MEDRUBRIC_REQUIRE_REAL_DATA === "1") throw new Error(`MEDRUBRIC_REQUIRE_REAL_DATA=1, but: ${note}`);
  if (note) process.stdout.write(`\n${note}\n\n`);
  ensureBuiltCli();
  const postgres = await startSharedPostgres(project);
  const hadStore = existsSync(checkoutStore);
  const embeddings = await startStandin({ embeddingDim: 16 });
  const fixtureDir = mkdtempSync(join(tmpdir(), "medrubric-fixture-"));
  project.provide("fixtureEmbeddingsUrl", embeddings.url);
  project.provide("fixtureModelDir", fixtureDir);
  return async () => {
    await postgres?.stop();
    await embeddings.close();
    rmSync(fixtureDir, { recursive: true, force: true });
    if (hadStore || !existsSync(checkoutStore)) return;
    rmSync(checkoutStore, { recursive: true, force: true });
    throw new Error(`the tests left ${checkoutStore} in the checkout: a command under test ran without --store (removed it)`);
  };
}

async function startSharedPostgres(project: TestProject): Promise<PostgresServer | undefined> {
  const missing = postgresMissing();
  if (missing) {
    if (required) throw new Error(`the Postgres tests must run under CI or MEDRUBRIC_REQUIRE_REAL_DATA=1, but ${missing}`);
    const skipped = `Postgres tests (named "[postgres]") are skipped: ${missing}; \`npm test\` installs it with apt-get (scripts/ensure-postgres.sh).`;
    process.stdout.write(`\n${skipped}\n\n`);
    project.provide("postgres", { skipped });
    return undefined;
  }
  const server = await startPostgresServer();
  project.provide("postgres", { url: server.url });
  return server;
}
