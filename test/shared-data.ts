/**
 * Locates the real HealthBench files kept outside the project (`shared/data/healthbench` beside
 * or above the checkout; two are CC BY-NC and must never be copied in). MEDRUBRIC_SHARED_DATA
 * overrides the search. A clone from the web has none of them: the tests that need them are
 * skipped there (`realDataFile` gives undefined, `needsRealData` names what is missing), and
 * every command keeps tests on the bundled data.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The files of the recorded HealthBench grading runs the real-data tests read. */
export const REAL_DATA_FILES = ["judged_responses.jsonl", "graded_hard_responses.jsonl"] as const;
export type RealDataFile = (typeof REAL_DATA_FILES)[number];

function candidates(name: string): string[] {
  const override = process.env.MEDRUBRIC_SHARED_DATA;
  return override ? [join(override, name)] : ancestors(projectRoot).map((dir) => join(dir, "shared", "data", "healthbench", name));
}

/** The path of a shared HealthBench file, or undefined when it is not there. */
export function realDataFile(name: RealDataFile): string | undefined {
  return candidates(name).find((candidate) => existsSync(candidate));
}

/** The path of a shared HealthBench file; throws, saying where it looked, when it is missing (benchmarks). */
export function sharedHealthBenchFile(name: RealDataFile): string {
  const found = realDataFile(name);
  if (!found) throw new Error(`HealthBench sample ${name} not found; looked in:\n  ${candidates(name).join("\n  ")}\n${HOW_TO_POINT}`);
  return found;
}

const HOW_TO_POINT = "Put the files in shared/data/healthbench/ beside the checkout, or set MEDRUBRIC_SHARED_DATA to their folder.";

/** The suffix of a real-data test's name: which file it needs (shown when it is skipped). */
export const needsRealData = (name: RealDataFile): string => `[real data: needs ${name}]`;

/** One line for the test run: which real-data files are missing, why, and how to point at them. */
export function missingRealDataNote(): string | undefined {
  const missing = REAL_DATA_FILES.filter((name) => !realDataFile(name));
  if (missing.length === 0) return undefined;
  return `Real-data tests (named "[real data: ...]") are skipped: they need the recorded HealthBench grading runs ${missing.join(" and ")} (CC BY-NC, not shipped with medrubric). ${HOW_TO_POINT}`;
}

function ancestors(dir: string): string[] {
  const parent = dirname(dir);
  return parent === dir ? [dir] : [dir, ...ancestors(parent)];
}
