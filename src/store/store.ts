/**
 * The store's narrow interfaces: a verdict cache with leases, a run log, a completion cache and an
 * embedding cache. Every backend (SQLite, the zero-setup default; Postgres, shared by replicas and
 * grading runs on several hosts) implements all four behind one `Store`, and one contract suite
 * (test/store-contract.ts) holds each to the same behaviour. The methods are asynchronous because
 * a networked backend is; callers never learn which one they have.
 */
import type { ChatMessage } from "../core/types.js";

export interface RunInfo {
  kind: string;
  config: unknown;
  dataHash: string;
  judgeModel: string;
  promptVersion: string;
}

export interface CachedVerdict {
  criteria_met: boolean;
  explanation: string;
}

export interface TokenCounts {
  promptTokens: number;
  completionTokens: number;
}

/** What a run may do about a verdict: use the cached one, ask the judge (it holds the lease), or wait (another run is asking). */
export type VerdictClaim = { state: "cached"; verdict: CachedVerdict } | { state: "claimed" } | { state: "busy" };

/** Where a verdict is recorded for a run: the answer graded (its rubric included), the criterion's index, the cache key. */
export interface VerdictRecord {
  runId: string;
  exampleKey: string;
  itemIndex: number;
  cacheKey: string;
}

/** Which judge and grader prompt a verdict came from. */
export interface JudgeIdentity {
  judgeModel: string;
  promptVersion: string;
}

/**
 * What a verdict was about, kept so that later answers to the same prompt can learn from it (the
 * hybrid's memory), and so that the graded rows can be rebuilt for training (`gradedRows`).
 */
export interface VerdictSubject {
  /** The criterion of this prompt under this judge and grader prompt, whatever the answer (verdict-key.ts). */
  criterionKey: string;
  /** The prompt and answer graded (verdict-key.ts). */
  conversationHash: string;
  /** The answer's text. */
  answer: string;
  /** The criterion's text, so cached verdicts can be listed and removed by it (`medrubric verdicts`). */
  criterion: string;
  /** The criterion's points and tags (HealthBench's), for the graded rows. */
  points: number;
  tags: readonly string[];
  /** The prompt's hash (verdict-key.ts): its messages are kept once per prompt, under it. */
  promptHash: string;
  prompt: readonly ChatMessage[];
  /** The prompt's id where the answer came with one (a HealthBench row graded by `grade`); null otherwise. */
  promptId: string | null;
}

export interface NewVerdict {
  record: VerdictRecord;
  subject: VerdictSubject;
  verdict: CachedVerdict;
  model: JudgeIdentity;
  tokens: TokenCounts;
}

/** A verdict recorded for a criterion of a prompt: which answer it judged, and whether the criterion was met. */
export interface RecordedVerdict {
  conversationHash: string;
  criteria_met: boolean;
}

/** A judge's verdict on one criterion of an answer, as a graded row lists it. */
export interface GradedCriterion {
  criterion: string;
  points: number;
  tags: string[];
  criteria_met: boolean;
}

/**
 * An answer the store holds judge verdicts for, with what a graded row needs: its prompt, its text,
 * and one verdict per criterion judged (the newest, where several judges matched the filter).
 */
export interface StoredGradedAnswer {
  promptHash: string;
  promptId: string | null;
  prompt: ChatMessage[];
  conversationHash: string;
  answer: string;
  verdicts: GradedCriterion[];
}

/** Which verdicts `gradedRows` returns: those of this judge model and grader prompt version, where given. */
export type GradedFilter = Pick<VerdictFilter, "judgeModel" | "promptVersion">;

/** Which cached verdicts `medrubric verdicts` lists or removes; every field given must match. */
export interface VerdictFilter {
  judgeModel?: string;
  promptVersion?: string;
  /** A substring of the criterion's text (case-sensitive); verdicts cached before the text was kept never match. */
  criterionText?: string;
  /** Only verdicts cached at least this long ago (on the store's clock). */
  olderThanMs?: number;
}

/** A cached verdict as `medrubric verdicts list` shows it. */
export interface ListedVerdict {
  key: string;
  judgeModel: string;
  promptVersion: string;
  /** Null for verdicts cached before the criterion's text was kept. */
  criterion: string | null;
  criteria_met: boolean;
  /** ISO 8601, UTC. */
  createdAt: string;
}

/**
 * The verdict cache and its leases. A lease is a row with an owner and an expiry (on the
 * database's clock) that its owner keeps renewing; whoever holds it asks the judge, the others
 * wait for the cached verdict. A failure is recorded for the run, never cached.
 */
export interface VerdictStore {
  cachedVerdicts(keys: readonly string[]): Promise<(CachedVerdict | undefined)[]>;
  /**
   * For each key, atomically: the cached verdict, or the lease for `owner` (valid `leaseMs`),
   * or busy while another owner's lease is live.
   */
  claimVerdicts(keys: readonly string[], owner: string, leaseMs: number): Promise<VerdictClaim[]>;
  /** Caches verdicts, records them for their runs and frees their leases (whoever held them), in one transaction. */
  saveVerdicts(verdicts: readonly NewVerdict[]): Promise<void>;
  /** Records cached verdicts' use by a run (no judge call was made). */
  linkVerdicts(records: readonly VerdictRecord[]): Promise<void>;
  /** Records judge failures for their runs (a rerun asks again) and frees `owner`'s leases on them. */
  saveFailures(failures: readonly { record: VerdictRecord; failure: string }[], owner: string): Promise<void>;
  /**
   * The verdicts recorded for each criterion key (any answer to its prompt), newest first and at
   * most `limit` per key; keys with none are left out.
   */
  criterionVerdicts(criterionKeys: readonly string[], limit: number): Promise<Map<string, RecordedVerdict[]>>;
  /** The text of the answers graded, by conversation hash; unknown hashes are left out. */
  gradedAnswers(conversationHashes: readonly string[]): Promise<Map<string, string>>;
  /**
   * Every answer with judge verdicts matching `filter`, by prompt hash then conversation hash, for
   * training (`train --graded-from-store`). Verdicts cached before their prompt was kept are left out.
   */
  gradedRows(filter: GradedFilter): Promise<StoredGradedAnswer[]>;
  /** Extends every lease of `owner` by `leaseMs` from now. */
  renewLeases(owner: string, leaseMs: number): Promise<void>;
  releaseLeases(owner: string): Promise<void>;
  /** The cached verdicts matching `filter`, oldest first, at most `limit`. */
  listVerdicts(filter: VerdictFilter, limit: number): Promise<ListedVerdict[]>;
  /** Removes the cached verdicts matching `filter` (a later run asks the judge again); returns how many (with `dryRun`, how many would go). */
  removeVerdicts(filter: VerdictFilter, options?: { dryRun?: boolean }): Promise<number>;
}

/**
 * A run's status: "running" until finished; "interrupted" once a store opened later finds its
 * process dead (same host) or its heartbeat older than the bound (any other host).
 */
export type RunStatus = "running" | "done" | "failed" | "interrupted";

export interface RunLog {
  /**
   * Starts a run with a fresh id (unique even for runs started at the same moment); `identity`
   * names what is run (data, judge, prompt), and `resumed` says whether a run of it came before.
   */
  startRun(identity: string, info: RunInfo): Promise<{ id: string; resumed: boolean }>;
  finishRun(id: string, status: "done" | "failed", summary: unknown): Promise<void>;
  runCounts(runId: string): Promise<{ verdicts: number; failures: number }>;
  /** The run's status, or undefined for an unknown id. */
  runStatus(runId: string): Promise<RunStatus | undefined>;
}

/** How a store keeps its runs' liveness (both backends take these). */
export interface RunLivenessOptions {
  /** How often a store renews the heartbeat of the runs it started and has not finished. */
  runHeartbeatMs?: number;
  /** A run of another host whose heartbeat is older than this is interrupted when a store is opened. */
  staleRunMs?: number;
}

export interface CompletionCache {
  cachedCompletion(key: string): Promise<string | undefined>;
  saveCompletion(key: string, model: string, content: string, tokens: TokenCounts): Promise<void>;
}

export interface EmbeddingCache {
  /** The cached vectors of those keys that are in the cache. */
  cachedEmbeddings(keys: readonly string[]): Promise<Map<string, Float32Array>>;
  saveEmbeddings(encoder: string, entries: readonly { key: string; vector: Float32Array }[]): Promise<void>;
}

export interface Store extends VerdictStore, RunLog, CompletionCache, EmbeddingCache {
  /** Where it is, for messages: a file path, or a URL without its password. */
  readonly location: string;
  /** A folder on this host for files kept beside the store (the GloVe vectors), or undefined for an in-memory store. */
  readonly dataDir: string | undefined;
  close(): Promise<void>;
}
