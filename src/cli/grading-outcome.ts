/**
 * What a finished grading run (`grade`, `eval`) tells its user beyond the score table: an
 * example of why the judge failed, when it did, and a non-zero exit when no example could be
 * scored, so a run that graded nothing never passes in CI. Its files are written first: the
 * failures are recorded there and in the store, and a rerun retries only those.
 */
import { TemporaryError } from "../core/errors.js";
import type { GradedExample } from "../healthbench/schema.js";
import type { ScoreReport } from "../healthbench/score-graded.js";
import type { GradeStats } from "../judge/grade-run.js";

/** The first judge failure of the run, named by prompt id and criterion; undefined when there was none. */
export function failureExample(rows: readonly GradedExample[]): string | undefined {
  for (const row of rows)
    for (const [i, verdict] of row.verdicts.entries())
      if (verdict.criteria_met === null && verdict.failure) {
        const criterion = row.rubrics[i]?.criterion ?? "";
        const shown = criterion.length > 80 ? `${criterion.slice(0, 79)}…` : criterion;
        return `prompt ${row.prompt_id}, criterion ${i + 1} (${JSON.stringify(shown)}): ${verdict.failure}`;
      }
  return undefined;
}

/**
 * Says on stderr why the judge failed (one example), and throws TemporaryError (exit 75) when
 * no example could be scored: every one lost all its positive items to judge failures.
 */
export function checkGradingOutcome(report: ScoreReport, stats: GradeStats, rows: readonly GradedExample[]): void {
  const example = failureExample(rows);
  if (report.overall.n > 0) {
    if (example) process.stderr.write(`judge failures: ${stats.failures} items; for example ${example}\n`);
    return;
  }
  throw new TemporaryError(
    `no example could be scored: the judge failed on ${stats.failures} of ${stats.items} items, and every example lost all its positive items` +
      `${example ? `; for example ${example}` : ""}. Check the judge (--judge-url, --judge-model, --grader-prompt), then run the same command again to retry only those`,
  );
}
