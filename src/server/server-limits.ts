/**
 * The reward server's default limits, shared by `serve`'s flags and the app. No imports: the CLI
 * loads this with every command, and the server's own modules only when it serves.
 */

/** Longest answer, query or prompt message: well above HealthBench answers (a few thousand characters). */
export const DEFAULT_MAX_ANSWER_CHARS = 20_000;

/** Characters of answers per model batch: about 10 s of USE-lite, far less for GloVe or a hash model. */
export const DEFAULT_MAX_BATCH_CHARS = 100_000;

/** A request not scored by then gets 503; a batch running longer makes /healthz unready. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** SIGTERM's drain: long enough for a request at the request deadline to finish. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 35_000;
