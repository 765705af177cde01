/**
 * What an answer whose criteria were not all judged gets (--on-unjudged): `fail` (the default)
 * fails it, so the trainer retries the request and the retry pays only for the verdicts missing
 * (the others are cached); `partial` gives the rubric's score over the criteria judged, which can
 * be far from the real one (1.0 instead of 0.2 when a positive criterion failed), and says how
 * many were judged. An answer with no scorable criterion fails either way, never a made-up 0:
 * 502 when the judge failed, 503 when time ran out.
 */
import { HttpError } from "./http-error.js";

export const UNJUDGED_POLICIES = ["fail", "partial"] as const;
export type UnjudgedPolicy = (typeof UNJUDGED_POLICIES)[number];
export const DEFAULT_UNJUDGED_POLICY: UnjudgedPolicy = "fail";

/** The failure text of a criterion left unjudged at the request deadline. */
export const notJudgedWithin = (deadlineMs: number) => `not judged within --request-timeout-ms ${deadlineMs}`;

interface Unjudged {
  failure?: string;
}

/** The error an answer fails with, or undefined when it gets its reward (`reward` null: nothing scorable was judged). */
export function unjudgedError(
  index: number,
  unjudged: readonly Unjudged[],
  total: number,
  reward: number | null,
  options: { policy: UnjudgedPolicy; deadlineMs: number },
): HttpError | undefined {
  if (reward !== null && (unjudged.length === 0 || options.policy === "partial")) return undefined;
  const late = notJudgedWithin(options.deadlineMs);
  const lateCount = unjudged.filter((v) => v.failure === late).length;
  const last = unjudged.map((v) => v.failure).findLast((f) => f !== late);
  const why =
    reward === null
      ? "no criterion with positive points could be judged"
      : `${unjudged.length} of its ${total} criteria could not be judged, and --on-unjudged is fail (a reward over the rest could be far off; retry: the verdicts judged are cached)`;
  return new HttpError(
    lateCount > 0 ? 503 : 502,
    `answer ${index}: ${why} (${unjudged.length - lateCount} judge failures, ${lateCount} ${late})${last ? `; last failure: ${last}` : ""}`,
  );
}
