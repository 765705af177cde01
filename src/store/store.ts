/**
 * The SQLite store (better-sqlite3): runs, the verdicts of each run, a verdict cache, a
 * completion cache and an embedding cache. Every verdict is committed the moment it arrives (WAL
 * journal), so a run killed at any point loses nothing it was told, and a rerun asks the judge
 * nothing twice. Runs sharing a store share work: before asking the judge, a run takes a lease
 * on the verdict (a row with an owner and an expiry it keeps renewing), and another run waits for
 * that verdict instead of paying for it again; a killed run's leases simply expire.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { ConfigError } from "../core/errors.js";

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

export interface VerdictRecord {
  runId: string;
  exampleKey: string;
  itemIndex: number;
  cacheKey: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, config TEXT NOT NULL, data_hash TEXT NOT NULL,
  judge_model TEXT NOT NULL, prompt_version TEXT NOT NULL, status TEXT NOT NULL,
  summary TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, identity TEXT);
CREATE TABLE IF NOT EXISTS verdict_leases (key TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS verdict_cache (
  key TEXT PRIMARY KEY, judge_model TEXT NOT NULL, prompt_version TEXT NOT NULL,
  criteria_met INTEGER NOT NULL, explanation TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS run_verdicts (
  run_id TEXT NOT NULL REFERENCES runs(id), example_key TEXT NOT NULL, item_index INTEGER NOT NULL,
  cache_key TEXT NOT NULL, failure TEXT, PRIMARY KEY (run_id, example_key, item_index));
CREATE TABLE IF NOT EXISTS completion_cache (
  key TEXT PRIMARY KEY, model TEXT NOT NULL, content TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS embedding_cache (
  key TEXT PRIMARY KEY, encoder TEXT NOT NULL, dim INTEGER NOT NULL, vector BLOB NOT NULL, created_at TEXT NOT NULL);
`;

export class Store {
  private readonly db: Database.Database;
  private readonly statements;
  /** Built once: better-sqlite3 transaction wrappers are costly to create per call. */
  private readonly putVerdictAndLink: (verdict: Record<string, unknown>, link: Record<string, unknown>) => void;
  private readonly putFailure: Database.Transaction<(link: Record<string, unknown>, owner: string | undefined) => void>;
  private readonly claim: Database.Transaction<(keys: readonly string[], owner: string, leaseMs: number) => VerdictClaim[]>;
  private readonly getEmbeddings: (keys: readonly string[]) => Map<string, Float32Array>;
  private readonly putEmbeddings: (encoder: string, entries: readonly { key: string; vector: Float32Array }[]) => void;

  private constructor(readonly path: string) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    try {
      this.db = new Database(path);
    } catch (error) {
      throw new ConfigError(`${path}: cannot open the store: ${(error as Error).message}`, { cause: error });
    }
    this.db.pragma("journal_mode = WAL");
    // NORMAL in WAL mode survives a killed process (only a power loss can drop the last commits).
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(SCHEMA);
    this.migrate();
    const now = "strftime('%Y-%m-%dT%H:%M:%fZ','now')";
    this.statements = {
      // Stores written before run ids were unique have the identity as the id.
      findRun: this.db.prepare<[string, string], unknown>("SELECT 1 FROM runs WHERE identity = ? OR id = ? LIMIT 1"),
      insertRun: this.db.prepare(
        `INSERT INTO runs (id, identity, kind, config, data_hash, judge_model, prompt_version, status, created_at, updated_at)
         VALUES (@id, @identity, @kind, @config, @dataHash, @judgeModel, @promptVersion, 'running', ${now}, ${now})`,
      ),
      getLease: this.db.prepare<[string], { owner: string; expires_at: number }>(
        "SELECT owner, expires_at FROM verdict_leases WHERE key = ?",
      ),
      putLease: this.db.prepare<[string, string, number]>(
        "INSERT OR REPLACE INTO verdict_leases (key, owner, expires_at) VALUES (?, ?, ?)",
      ),
      deleteLease: this.db.prepare<[string]>("DELETE FROM verdict_leases WHERE key = ?"),
      deleteOwnLease: this.db.prepare<[string, string]>("DELETE FROM verdict_leases WHERE key = ? AND owner = ?"),
      renewLeases: this.db.prepare<[number, string]>("UPDATE verdict_leases SET expires_at = ? WHERE owner = ?"),
      releaseLeases: this.db.prepare<[string]>("DELETE FROM verdict_leases WHERE owner = ?"),
      updateRun: this.db.prepare(`UPDATE runs SET status = @status, summary = @summary, updated_at = ${now} WHERE id = @id`),
      getVerdict: this.db.prepare<[string], { criteria_met: number; explanation: string }>(
        "SELECT criteria_met, explanation FROM verdict_cache WHERE key = ?",
      ),
      putVerdict: this.db.prepare(
        `INSERT OR REPLACE INTO verdict_cache (key, judge_model, prompt_version, criteria_met, explanation, prompt_tokens, completion_tokens, created_at)
         VALUES (@key, @judgeModel, @promptVersion, @met, @explanation, @promptTokens, @completionTokens, ${now})`,
      ),
      putRunVerdict: this.db.prepare(
        `INSERT OR REPLACE INTO run_verdicts (run_id, example_key, item_index, cache_key, failure)
         VALUES (@runId, @exampleKey, @itemIndex, @cacheKey, @failure)`,
      ),
      countRunVerdicts: this.db.prepare<[string], { verdicts: number; failures: number }>(
        "SELECT count(*) AS verdicts, count(failure) AS failures FROM run_verdicts WHERE run_id = ?",
      ),
      getCompletion: this.db.prepare<[string], { content: string }>("SELECT content FROM completion_cache WHERE key = ?"),
      putCompletion: this.db.prepare(
        `INSERT OR REPLACE INTO completion_cache (key, model, content, prompt_tokens, completion_tokens, created_at)
         VALUES (@key, @model, @content, @promptTokens, @completionTokens, ${now})`,
      ),
      getEmbedding: this.db.prepare<[string], Buffer>("SELECT vector FROM embedding_cache WHERE key = ?").pluck(),
      putEmbedding: this.db.prepare<[string, string, number, Buffer]>(
        `INSERT OR REPLACE INTO embedding_cache (key, encoder, dim, vector, created_at) VALUES (?, ?, ?, ?, ${now})`,
      ),
    };
    this.putVerdictAndLink = this.db.transaction((verdict: Record<string, unknown>, link: Record<string, unknown>) => {
      this.statements.putVerdict.run(verdict);
      this.statements.putRunVerdict.run(link);
      // Once cached, nobody needs to wait for it, whoever held the lease.
      this.statements.deleteLease.run(verdict.key as string);
    });
    this.putFailure = this.db.transaction((link: Record<string, unknown>, owner: string | undefined) => {
      this.statements.putRunVerdict.run(link);
      if (owner) this.statements.deleteOwnLease.run(link.cacheKey as string, owner);
    });
    this.claim = this.db.transaction((keys: readonly string[], owner: string, leaseMs: number): VerdictClaim[] =>
      keys.map((key) => {
        const verdict = this.cachedVerdict(key);
        if (verdict) return { state: "cached", verdict };
        const lease = this.statements.getLease.get(key);
        const now = Date.now();
        if (lease && lease.owner !== owner && lease.expires_at > now && !isDeadLocalOwner(lease.owner)) return { state: "busy" };
        this.statements.putLease.run(key, owner, now + leaseMs);
        return { state: "claimed" };
      }),
    );
    // One read transaction around all the lookups: SQLite then takes its shared lock once, not once per key.
    this.getEmbeddings = this.db.transaction((keys: readonly string[]) => {
      const found = new Map<string, Float32Array>();
      for (const key of keys) {
        const bytes = this.statements.getEmbedding.get(key);
        if (bytes) found.set(key, float32FromBytes(bytes));
      }
      return found;
    });
    this.putEmbeddings = this.db.transaction((encoder: string, entries: readonly { key: string; vector: Float32Array }[]) => {
      for (const { key, vector } of entries)
        this.statements.putEmbedding.run(key, encoder, vector.length, Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength));
    });
  }

  static open(path: string): Store {
    return new Store(path);
  }

  /** Adds what older stores lack; in one write transaction, so two processes opening an old store at once do not both alter it. */
  private migrate(): void {
    this.db
      .transaction(() => {
        const columns = this.db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('runs')").all();
        if (!columns.some((column) => column.name === "identity")) this.db.exec("ALTER TABLE runs ADD COLUMN identity TEXT");
        this.db.exec("CREATE INDEX IF NOT EXISTS runs_identity ON runs (identity)");
      })
      .immediate();
  }

  /**
   * Starts a run with a fresh id (unique even for runs started at the same moment); `identity`
   * names what is run (data, judge, prompt), and `resumed` says whether a run of it came before.
   */
  startRun(identity: string, info: RunInfo): { id: string; resumed: boolean } {
    const resumed = this.statements.findRun.get(identity, identity) !== undefined;
    const id = `${identity.slice(0, 16)}-${randomUUID()}`;
    this.statements.insertRun.run({ id, identity, ...info, config: JSON.stringify(info.config) });
    return { id, resumed };
  }

  finishRun(id: string, status: "done" | "failed", summary: unknown): void {
    this.statements.updateRun.run({ id, status, summary: JSON.stringify(summary) });
  }

  cachedVerdict(key: string): CachedVerdict | undefined {
    const row = this.statements.getVerdict.get(key);
    return row && { criteria_met: row.criteria_met === 1, explanation: row.explanation };
  }

  /** Caches a verdict and records it for the run, in one transaction. */
  saveVerdict(
    record: VerdictRecord,
    verdict: CachedVerdict,
    model: { judgeModel: string; promptVersion: string },
    tokens: TokenCounts,
  ): void {
    this.putVerdictAndLink(
      {
        key: record.cacheKey,
        judgeModel: model.judgeModel,
        promptVersion: model.promptVersion,
        met: verdict.criteria_met ? 1 : 0,
        explanation: verdict.explanation,
        promptTokens: tokens.promptTokens,
        completionTokens: tokens.completionTokens,
      },
      { ...record, failure: null },
    );
  }

  /** Records a cached verdict's use by a run (no judge call was made). */
  linkVerdict(record: VerdictRecord): void {
    this.statements.putRunVerdict.run({ ...record, failure: null });
  }

  /** A judge failure is recorded for the run but never cached: a rerun asks again. Releases the owner's lease. */
  saveFailure(record: VerdictRecord, failure: string, owner?: string): void {
    this.putFailure({ ...record, failure }, owner);
  }

  /**
   * Before asking the judge for the verdict `key`: the cached verdict, or the lease for `owner`
   * (valid `leaseMs`, renewed with renewLeases), or busy while another owner's lease is live.
   */
  claimVerdict(key: string, owner: string, leaseMs: number): VerdictClaim {
    return this.claimVerdicts([key], owner, leaseMs)[0] as VerdictClaim;
  }

  /** claimVerdict for several keys in one write transaction (one commit, not one per key). */
  claimVerdicts(keys: readonly string[], owner: string, leaseMs: number): VerdictClaim[] {
    // Plain reads first: cached verdicts, the common case on a rerun, need no write lock.
    const claims: (VerdictClaim | undefined)[] = keys.map((key) => {
      const verdict = this.cachedVerdict(key);
      return verdict && { state: "cached", verdict };
    });
    const missing = keys.filter((_, i) => claims[i] === undefined);
    if (missing.length === 0) return claims as VerdictClaim[];
    const claimed = this.claim.immediate(missing, owner, leaseMs);
    let next = 0;
    return claims.map((claim) => claim ?? (claimed[next++] as VerdictClaim));
  }

  /** Extends every lease of `owner` by `leaseMs` from now. */
  renewLeases(owner: string, leaseMs: number): void {
    this.statements.renewLeases.run(Date.now() + leaseMs, owner);
  }

  releaseLeases(owner: string): void {
    this.statements.releaseLeases.run(owner);
  }

  runCounts(runId: string): { verdicts: number; failures: number } {
    return this.statements.countRunVerdicts.get(runId) ?? { verdicts: 0, failures: 0 };
  }

  cachedCompletion(key: string): string | undefined {
    return this.statements.getCompletion.get(key)?.content;
  }

  saveCompletion(key: string, model: string, content: string, tokens: TokenCounts): void {
    this.statements.putCompletion.run({
      key,
      model,
      content,
      promptTokens: tokens.promptTokens,
      completionTokens: tokens.completionTokens,
    });
  }

  /** The cached vectors of those keys that are in the cache. */
  cachedEmbeddings(keys: readonly string[]): Map<string, Float32Array> {
    return this.getEmbeddings(keys);
  }

  /** Caches vectors as Float32 bytes in the machine's order (little-endian on x86 and ARM), in one transaction. */
  saveEmbeddings(encoder: string, entries: readonly { key: string; vector: Float32Array }[]): void {
    this.putEmbeddings(encoder, entries);
  }

  close(): void {
    this.db.close();
  }
}

/** A lease owner, unique per call: host and pid first, so a lease left by a process that died on this host is taken at once. */
export function leaseOwner(): string {
  return `${hostname()}:${process.pid}:${randomUUID()}`;
}

/** True only when the owner ran on this host and its process is gone (a killed run); any doubt keeps the lease. */
function isDeadLocalOwner(owner: string): boolean {
  const [host, pid] = owner.split(":");
  if (host !== hostname() || !/^\d+$/.test(pid ?? "")) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** A copy, not a view: a Float32Array must start on a 4-byte boundary, and the driver's Buffer need not. */
function float32FromBytes(bytes: Buffer): Float32Array {
  const vector = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(vector.buffer).set(bytes);
  return vector;
}
