/**
 * Vitest global setup. Says once, in one line, which real-data tests are skipped and how to
 * point at their data; with MEDRUBRIC_REQUIRE_REAL_DATA=1 (set by .ci/run) missing data fails the
 * run instead, so CI can never pass by skipping them. And fails the run if the tests left a store
 * in the checkout (`.medrubric/`, the default when a command is run without --store), which a
 * user would find there after `npm test`. Builds dist first when a source is newer (built-cli.ts).
 */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ensureBuiltCli } from "./built-cli.js";
import { missingRealDataNote, projectRoot } from "./shared-data.js";

const checkoutStore = join(projectRoot, ".medrubric");

export default function setup(): () => void {
  const note = missingRealDataNote();
  if (note && process.env.MEDRUBRIC_REQUIRE_REAL_DATA === "1") throw new Error(`MEDRUBRIC_REQUIRE_REAL_DATA=1, but: ${note}`);
  if (note) process.stdout.write(`\n${note}\n\n`);
  ensureBuiltCli();
  const hadStore = existsSync(checkoutStore);
  return () => {
    if (hadStore || !existsSync(checkoutStore)) return;
    rmSync(checkoutStore, { recursive: true, force: true });
    throw new Error(`the tests left ${checkoutStore} in the checkout: a command under test ran without --store (removed it)`);
  };
}
