/**
 * Vitest global setup: says once, in one line, which real-data tests are skipped and how to
 * point at their data. With MEDRUBRIC_REQUIRE_REAL_DATA=1 (set by .ci/run) missing data fails the
 * run instead, so CI can never pass by skipping the real-data tests.
 */
import { missingRealDataNote } from "./shared-data.js";

export default function setup(): void {
  const note = missingRealDataNote();
  if (!note) return;
  if (process.env.MEDRUBRIC_REQUIRE_REAL_DATA === "1") throw new Error(`MEDRUBRIC_REQUIRE_REAL_DATA=1, but: ${note}`);
  process.stdout.write(`\n${note}\n\n`);
}
