/**
 * The bound on one request's judge work: the criteria it may send to the judge (answers x their
 * criteria), checked before any hashing, look-up or call, so a small body asking for millions of
 * verdicts is refused at once (413 naming the limit) instead of filling memory or the event loop.
 * `--max-queue` counts the same criteria on the judge path: a verdict, not an answer, is the unit
 * of judge work.
 */
import type { RewardRequest } from "../core/types.js";
import { HttpError } from "./http-error.js";

/** Default --max-judge-work: a batch of 128 answers with 32 criteria each (HealthBench rubrics have 11 on average). */
export const DEFAULT_MAX_JUDGE_WORK = 4096;

/** The criteria of `requests` that may go to the judge; throws 413 when that is more than either limit allows. */
export function checkJudgeWork(requests: readonly RewardRequest[], limits: { maxJudgeWork: number; maxQueue: number }): number {
  let work = 0;
  for (const request of requests) work += request.rubrics?.length ?? 0;
  const over = (flag: string, limit: number) =>
    new HttpError(
      413,
      `body: ${requests.length} answers with ${work} criteria to judge in all, more than ${flag} ${limit} allows in one request; split the request`,
    );
  if (work > limits.maxJudgeWork) throw over("--max-judge-work", limits.maxJudgeWork);
  if (work > limits.maxQueue) throw over("--max-queue", limits.maxQueue);
  return work;
}
