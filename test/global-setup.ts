/**
 * Vitest global setup. Says once, in one line, which real-data tests are skipped and how to
 * point at their data; with MEDRUBRIC_REQUIRE_REAL_DATA=1 (set by .ci/run) missing data fails the
 * run instead, so CI can never pass by skipping them. And fails the run if the tests left a store
 * in the checkout (`.medrubric/`, the default when a command is run without --store), which a
 * user would find there after `npm test`. Builds dist first when a source is newer (built-cli.ts),
 * and starts the embeddings stand-in of the model the serving tests share (model-server.ts).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { ensureBuiltCli } from "./built-cli.js";
import { startStandin } from "./openai-standin.js";
import { missingRealDataNote, projectRoot } from "./shared-data.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The stand-in whose embeddings the shared fixture model is trained and served with. */
    fixtureEmbeddingsUrl: string;
    /** Where that model is trained, once per run, by the first test file that needs it. */
    fixtureModelDir: string;
  }
}

const checkoutStore = join(projectRoot, ".medrubric");

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const note = missingRealDataNote();
  if (note && process.env.MEDRUBRIC_REQUIRE_REAL_DATA === "1") throw new Error(`MEDRUBRIC_REQUIRE_REAL_DATA=1, but: ${note}`);
  if (note) process.stdout.write(`\n${note}\n\n`);
  ensureBuiltCli();
  const hadStore = existsSync(checkoutStore);
  const embeddings = await startStandin({ embeddingDim: 16 });
  const fixtureDir = mkdtempSync(join(tmpdir(), "medrubric-fixture-"));
  project.provide("fixtureEmbeddingsUrl", embeddings.url);
  project.provide("fixtureModelDir", fixtureDir);
  return async () => {
    await embeddings.close();
    rmSync(fixtureDir, { recursive: true, force: true });
    if (hadStore || !existsSync(checkoutStore)) return;
    rmSync(checkoutStore, { recursive: true, force: true });
    throw new Error(`the tests left ${checkoutStore} in the checkout: a command under test ran without --store (removed it)`);
  };
}
