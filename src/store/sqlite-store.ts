/**
 * The SQLite store (better-sqlite3), the zero-setup default: runs, the verdicts of each run, the
 * verdict cache with its leases, a completion cache and an embedding cache, in one file. Every
 * write commits at once (WAL journal), so a run killed at any point loses nothing it was told.
 * Processes on one host share the file and its leases; the lease clock is this host's.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { ConfigError } from "../core/errors.js";
import { assembleGradedRows, encodeMessages, encodeTags, type GradedVerdictRow, type PromptRow } from "./graded-rows.js";
import { isDeadLocalOwner } from "./lease-owner.js";
import { interruptedRunIds, runOwner, startRunHeartbeat } from "./run-liveness.js";
import type {
  CachedVerdict,
  NewVerdict,
  RecordedVerdict,
  RunInfo,
  RunLivenessOptions,
  RunStatus,
  Store,
  TokenCounts,
  VerdictClaim,
  VerdictRecord,
} from "./store.js";
import { type FilterDialect, verdictFilterWhere } from "./verdict-filter.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, config TEXT NOT NULL, data_hash TEXT NOT NULL,
  judge_model TEXT NOT NULL, prompt_version TEXT NOT NULL, status TEXT NOT NULL,
  summary TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, identity TEXT, owner TEXT, heartbeat_at INTEGER);
CREATE TABLE IF NOT EXISTS verdict_leases (key TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS verdict_cache (
  key TEXT PRIMARY KEY, judge_model TEXT NOT NULL, prompt_version TEXT NOT NULL,
  criteria_met INTEGER NOT NULL, explanation TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, created_at TEXT NOT NULL,
  criterion_key TEXT, conversation_hash TEXT, criterion TEXT, prompt_hash TEXT, points REAL, tags TEXT);
CREATE TABLE IF NOT EXISTS graded_answers (conversation_hash TEXT PRIMARY KEY, answer TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS graded_prompts (prompt_hash TEXT PRIMARY KEY, prompt_id TEXT, messages TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS run_verdicts (
  run_id TEXT NOT NULL REFERENCES runs(id), example_key TEXT NOT NULL, item_index INTEGER NOT NULL,
  cache_key TEXT NOT NULL, failure TEXT, PRIMARY KEY (run_id, example_key, item_index));
CREATE TABLE IF NOT EXISTS completion_cache (
  key TEXT PRIMARY KEY, model TEXT NOT NULL, content TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS embedding_cache (
  key TEXT PRIMARY KEY, encoder TEXT NOT NULL, dim INTEGER NOT NULL, vector BLOB NOT NULL, created_at TEXT NOT NULL);
`;

/** Where the store is when neither --store nor $MEDRUBRIC_STORE says: beside the working folder. */
export const DEFAULT_STORE = ".medrubric/store.sqlite";

const NOW = "strftime('%Y-%m-%dT%H:%M:%fZ','now')";

function prepareStatements(db: Database.Database) {
  return {
    // Stores written before run ids were unique have the identity as the id.
    findRun: db.prepare<[string, string], unknown>("SELECT 1 FROM runs WHERE identity = ? OR id = ? LIMIT 1"),
    insertRun: db.prepare(
      `INSERT INTO runs (id, identity, kind, config, data_hash, judge_model, prompt_version, status, created_at, updated_at, owner, heartbeat_at)
       VALUES (@id, @identity, @kind, @config, @dataHash, @judgeModel, @promptVersion, 'running', ${NOW}, ${NOW}, @owner, @now)`,
    ),
    heartbeat: db.prepare<[number, string]>("UPDATE runs SET heartbeat_at = ? WHERE id = ? AND status = 'running'"),
    runningRuns: db.prepare<[], { id: string; owner: string | null; heartbeat_at: number | null; updated_at: string }>(
      "SELECT id, owner, heartbeat_at, updated_at FROM runs WHERE status = 'running'",
    ),
    interruptRun: db.prepare<[string]>(`UPDATE runs SET status = 'interrupted', updated_at = ${NOW} WHERE id = ? AND status = 'running'`),
    runStatus: db.prepare<[string], RunStatus>("SELECT status FROM runs WHERE id = ?").pluck(),
    updateRun: db.prepare(`UPDATE runs SET status = @status, summary = @summary, updated_at = ${NOW} WHERE id = @id`),
    getLease: db.prepare<[string], { owner: string; expires_at: number }>("SELECT owner, expires_at FROM verdict_leases WHERE key = ?"),
    putLease: db.prepare<[string, string, number]>("INSERT OR REPLACE INTO verdict_leases (key, owner, expires_at) VALUES (?, ?, ?)"),
    deleteLease: db.prepare<[string]>("DELETE FROM verdict_leases WHERE key = ?"),
    deleteOwnLease: db.prepare<[string, string]>("DELETE FROM verdict_leases WHERE key = ? AND owner = ?"),
    renewLeases: db.prepare<[number, string]>("UPDATE verdict_leases SET expires_at = ? WHERE owner = ?"),
    releaseLeases: db.prepare<[string]>("DELETE FROM verdict_leases WHERE owner = ?"),
    getVerdict: db.prepare<[string], { criteria_met: number; explanation: string }>(
      "SELECT criteria_met, explanation FROM verdict_cache WHERE key = ?",
    ),
    putVerdict: db.prepare(
      `INSERT OR REPLACE INTO verdict_cache
         (key, judge_model, prompt_version, criteria_met, explanation, prompt_tokens, completion_tokens, created_at,
          criterion_key, conversation_hash, criterion, prompt_hash, points, tags)
       VALUES (@key, @judgeModel, @promptVersion, @met, @explanation, @promptTokens, @completionTokens, ${NOW},
          @criterionKey, @conversationHash, @criterion, @promptHash, @points, @tags)`,
    ),
    putAnswer: db.prepare<[string, string]>("INSERT OR IGNORE INTO graded_answers (conversation_hash, answer) VALUES (?, ?)"),
    // A prompt first kept without an id (from the server) takes one when `grade` brings it.
    putPrompt: db.prepare<[string, string | null, string]>(
      `INSERT INTO graded_prompts (prompt_hash, prompt_id, messages) VALUES (?, ?, ?)
       ON CONFLICT (prompt_hash) DO UPDATE SET prompt_id = excluded.prompt_id WHERE graded_prompts.prompt_id IS NULL AND excluded.prompt_id IS NOT NULL`,
    ),
    getPrompt: db.prepare<[string], PromptRow>("SELECT prompt_hash, prompt_id, messages FROM graded_prompts WHERE prompt_hash = ?"),
    getAnswer: db.prepare<[string], string>("SELECT answer FROM graded_answers WHERE conversation_hash = ?").pluck(),
    // Newest first: a replaced verdict gets a new rowid.
    getCriterionVerdicts: db.prepare<[string, number], { conversation_hash: string; criteria_met: number }>(
      "SELECT conversation_hash, criteria_met FROM verdict_cache WHERE criterion_key = ? ORDER BY rowid DESC LIMIT ?",
    ),
    putRunVerdict: db.prepare(
      `INSERT OR REPLACE INTO run_verdicts (run_id, example_key, item_index, cache_key, failure)
       VALUES (@runId, @exampleKey, @itemIndex, @cacheKey, @failure)`,
    ),
    countRunVerdicts: db.prepare<[string], { verdicts: number; failures: number }>(
      "SELECT count(*) AS verdicts, count(failure) AS failures FROM run_verdicts WHERE run_id = ?",
    ),
    getCompletion: db.prepare<[string], { content: string }>("SELECT content FROM completion_cache WHERE key = ?"),
    putCompletion: db.prepare(
      `INSERT OR REPLACE INTO completion_cache (key, model, content, prompt_tokens, completion_tokens, created_at)
       VALUES (@key, @model, @content, @promptTokens, @completionTokens, ${NOW})`,
    ),
    getEmbedding: db.prepare<[string], Buffer>("SELECT vector FROM embedding_cache WHERE key = ?").pluck(),
    putEmbedding: db.prepare<[string, string, number, Buffer]>(
      `INSERT OR REPLACE INTO embedding_cache (key, encoder, dim, vector, created_at) VALUES (?, ?, ?, ?, ${NOW})`,
    ),
  };
}

/** Opens (creating if need be) the SQLite store at `path`, or an in-memory one for ":memory:"; marks the runs found gone interrupted (run-liveness.ts). */
export function openSqliteStore(path: string, options: RunLivenessOptions = {}): Store {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(path);
  } catch (error) {
    throw new ConfigError(`${path}: cannot open the store: ${(error as Error).message}`, { cause: error });
  }
  db.pragma("journal_mode = WAL");
  // NORMAL in WAL mode survives a killed process (only a power loss can drop the last commits).
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  db.exec(SCHEMA);
  migrate(db);
  return sqliteStore(db, path, options);
}

function interruptGoneRuns(statements: ReturnType<typeof prepareStatements>, options: RunLivenessOptions): void {
  const now = Date.now();
  const running = statements.runningRuns.all().map((run) => ({
    id: run.id,
    owner: run.owner,
    // Runs written before heartbeats were kept: their last update stands for one.
    heartbeatAgeMs: now - (run.heartbeat_at ?? Date.parse(run.updated_at)),
  }));
  for (const id of interruptedRunIds(running, options)) statements.interruptRun.run(id);
}

/** Adds what older stores lack; in one write transaction, so two processes opening an old store at once do not both alter it. */
function migrate(db: Database.Database): void {
  db.transaction(() => {
    const columns = (table: string) => db.prepare<[], string>(`SELECT name FROM pragma_table_info('${table}')`).pluck().all();
    if (!columns("runs").includes("identity")) db.exec("ALTER TABLE runs ADD COLUMN identity TEXT");
    db.exec("CREATE INDEX IF NOT EXISTS runs_identity ON runs (identity)");
    // Verdicts cached before the hybrid's memory have no subject: they serve as a cache, not as memory.
    if (!columns("verdict_cache").includes("criterion_key"))
      db.exec("ALTER TABLE verdict_cache ADD COLUMN criterion_key TEXT; ALTER TABLE verdict_cache ADD COLUMN conversation_hash TEXT");
    db.exec("CREATE INDEX IF NOT EXISTS verdict_cache_criterion ON verdict_cache (criterion_key)");
    // Runs' owners and heartbeats (interrupted runs), and the criterion's text (`medrubric verdicts`): null in older rows.
    if (!columns("runs").includes("owner"))
      db.exec("ALTER TABLE runs ADD COLUMN owner TEXT; ALTER TABLE runs ADD COLUMN heartbeat_at INTEGER");
    if (!columns("verdict_cache").includes("criterion")) db.exec("ALTER TABLE verdict_cache ADD COLUMN criterion TEXT");
    // What training needs to rebuild graded rows (`gradedRows`): null in older rows, which training leaves out.
    if (!columns("verdict_cache").includes("prompt_hash"))
      db.exec(
        "ALTER TABLE verdict_cache ADD COLUMN prompt_hash TEXT; ALTER TABLE verdict_cache ADD COLUMN points REAL; ALTER TABLE verdict_cache ADD COLUMN tags TEXT",
      );
  }).immediate();
}

/** Filters on the verdict cache: ISO 8601 text times compare as strings, on this host's clock like the times written. */
const SQLITE_FILTER: FilterDialect = {
  placeholder: () => "?",
  contains: (column, param) => `instr(${column}, ${param}) > 0`,
  olderThan: (column, param, olderThanMs) => ({ sql: `${column} < ${param}`, value: new Date(Date.now() - olderThanMs).toISOString() }),
};

function sqliteStore(db: Database.Database, location: string, options: RunLivenessOptions): Store {
  const statements = prepareStatements(db);
  interruptGoneRuns(statements, options);
  const heartbeat = startRunHeartbeat(async (runIds) => {
    const now = Date.now();
    for (const id of runIds) statements.heartbeat.run(now, id);
  }, options);
  const cachedVerdict = (key: string): CachedVerdict | undefined => {
    const row = statements.getVerdict.get(key);
    return row && { criteria_met: row.criteria_met === 1, explanation: row.explanation };
  };
  // Transaction wrappers are built once: better-sqlite3 makes them costly to create per call.
  const claim = db.transaction((keys: readonly string[], owner: string, leaseMs: number): VerdictClaim[] =>
    keys.map((key) => {
      const verdict = cachedVerdict(key);
      if (verdict) return { state: "cached", verdict };
      const lease = statements.getLease.get(key);
      const now = Date.now();
      if (lease && lease.owner !== owner && lease.expires_at > now && !isDeadLocalOwner(lease.owner)) return { state: "busy" };
      statements.putLease.run(key, owner, now + leaseMs);
      return { state: "claimed" };
    }),
  );
  const saveVerdicts = db.transaction((verdicts: readonly NewVerdict[]) => {
    // A group's verdicts share a few prompts: each is encoded and written once.
    const prompts = new Set<string>();
    for (const { record, subject, verdict, model, tokens } of verdicts) {
      statements.putVerdict.run({
        key: record.cacheKey,
        ...model,
        met: verdict.criteria_met ? 1 : 0,
        explanation: verdict.explanation,
        ...tokens,
        criterionKey: subject.criterionKey,
        conversationHash: subject.conversationHash,
        criterion: subject.criterion,
        promptHash: subject.promptHash,
        points: subject.points,
        tags: encodeTags(subject.tags),
      });
      statements.putAnswer.run(subject.conversationHash, subject.answer);
      if (!prompts.has(subject.promptHash)) {
        prompts.add(subject.promptHash);
        statements.putPrompt.run(subject.promptHash, subject.promptId, encodeMessages(subject.prompt));
      }
      statements.putRunVerdict.run({ ...record, failure: null });
      // Once cached, nobody needs to wait for it, whoever held the lease.
      statements.deleteLease.run(record.cacheKey);
    }
  });
  const linkVerdicts = db.transaction((records: readonly VerdictRecord[]) => {
    for (const record of records) statements.putRunVerdict.run({ ...record, failure: null });
  });
  const saveFailures = db.transaction((failures: readonly { record: VerdictRecord; failure: string }[], owner: string) => {
    for (const { record, failure } of failures) {
      statements.putRunVerdict.run({ ...record, failure });
      statements.deleteOwnLease.run(record.cacheKey, owner);
    }
  });
  // One read transaction around all the lookups: SQLite then takes its shared lock once, not once per key.
  const getEmbeddings = db.transaction((keys: readonly string[]) => {
    const found = new Map<string, Float32Array>();
    for (const key of keys) {
      const bytes = statements.getEmbedding.get(key);
      if (bytes) found.set(key, float32FromBytes(bytes));
    }
    return found;
  });
  const putEmbeddings = db.transaction((encoder: string, entries: readonly { key: string; vector: Float32Array }[]) => {
    for (const { key, vector } of entries)
      statements.putEmbedding.run(key, encoder, vector.length, Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength));
  });

  return {
    location,
    dataDir: location === ":memory:" ? undefined : dirname(location),
    async cachedVerdicts(keys) {
      return keys.map(cachedVerdict);
    },
    async claimVerdicts(keys, owner, leaseMs) {
      // Plain reads first: cached verdicts, the common case on a rerun, need no write lock.
      const claims: (VerdictClaim | undefined)[] = keys.map((key) => {
        const verdict = cachedVerdict(key);
        return verdict && { state: "cached", verdict };
      });
      const missing = keys.filter((_, i) => claims[i] === undefined);
      if (missing.length === 0) return claims as VerdictClaim[];
      const claimed = claim.immediate(missing, owner, leaseMs);
      let next = 0;
      return claims.map((found) => found ?? (claimed[next++] as VerdictClaim));
    },
    async saveVerdicts(verdicts) {
      if (verdicts.length > 0) saveVerdicts(verdicts);
    },
    async linkVerdicts(records) {
      if (records.length > 0) linkVerdicts(records);
    },
    async saveFailures(failures, owner) {
      if (failures.length > 0) saveFailures(failures, owner);
    },
    async criterionVerdicts(criterionKeys, limit) {
      const found = new Map<string, RecordedVerdict[]>();
      for (const key of new Set(criterionKeys)) {
        const rows = statements.getCriterionVerdicts.all(key, limit);
        if (rows.length > 0)
          found.set(
            key,
            rows.map((row) => ({ conversationHash: row.conversation_hash, criteria_met: row.criteria_met === 1 })),
          );
      }
      return found;
    },
    async gradedAnswers(conversationHashes) {
      const found = new Map<string, string>();
      for (const hash of new Set(conversationHashes)) {
        const answer = statements.getAnswer.get(hash);
        if (answer !== undefined) found.set(hash, answer);
      }
      return found;
    },
    async gradedRows(filter) {
      const { where, params } = verdictFilterWhere(filter, SQLITE_FILTER);
      // Newest first within an answer: a replaced verdict gets a new rowid.
      const verdicts = db
        .prepare<unknown[], Omit<GradedVerdictRow, "criteria_met"> & { criteria_met: number }>(
          `SELECT prompt_hash, conversation_hash, criterion, points, tags, criteria_met FROM verdict_cache
           ${where ? `${where} AND` : "WHERE"} prompt_hash IS NOT NULL ORDER BY prompt_hash, conversation_hash, rowid DESC`,
        )
        .all(...params)
        .map((row) => ({ ...row, criteria_met: row.criteria_met === 1 }));
      const prompts = [...new Set(verdicts.map((v) => v.prompt_hash))].flatMap((hash) => statements.getPrompt.get(hash) ?? []);
      const answers = await this.gradedAnswers(verdicts.map((v) => v.conversation_hash));
      return assembleGradedRows(location, verdicts, prompts, answers);
    },
    async renewLeases(owner, leaseMs) {
      statements.renewLeases.run(Date.now() + leaseMs, owner);
    },
    async releaseLeases(owner) {
      statements.releaseLeases.run(owner);
    },
    async listVerdicts(filter, limit) {
      const { where, params } = verdictFilterWhere(filter, SQLITE_FILTER);
      const rows = db
        .prepare<
          unknown[],
          { key: string; judge_model: string; prompt_version: string; criterion: string | null; criteria_met: number; created_at: string }
        >(
          `SELECT key, judge_model, prompt_version, criterion, criteria_met, created_at FROM verdict_cache ${where} ORDER BY created_at, key LIMIT ?`,
        )
        .all(...params, limit);
      return rows.map((row) => ({
        key: row.key,
        judgeModel: row.judge_model,
        promptVersion: row.prompt_version,
        criterion: row.criterion,
        criteria_met: row.criteria_met === 1,
        createdAt: row.created_at,
      }));
    },
    async removeVerdicts(filter, options) {
      const { where, params } = verdictFilterWhere(filter, SQLITE_FILTER);
      if (options?.dryRun)
        return (
          db
            .prepare<unknown[], number>(`SELECT count(*) FROM verdict_cache ${where}`)
            .pluck()
            .get(...params) ?? 0
        );
      return db.prepare(`DELETE FROM verdict_cache ${where}`).run(...params).changes;
    },
    async startRun(identity: string, info: RunInfo) {
      const resumed = statements.findRun.get(identity, identity) !== undefined;
      const id = `${identity.slice(0, 16)}-${randomUUID()}`;
      statements.insertRun.run({ id, identity, ...info, config: JSON.stringify(info.config), owner: runOwner(), now: Date.now() });
      heartbeat.add(id);
      return { id, resumed };
    },
    async finishRun(id, status, summary) {
      heartbeat.remove(id);
      statements.updateRun.run({ id, status, summary: JSON.stringify(summary) });
    },
    async runStatus(runId) {
      return statements.runStatus.get(runId);
    },
    async runCounts(runId) {
      return statements.countRunVerdicts.get(runId) ?? { verdicts: 0, failures: 0 };
    },
    async cachedCompletion(key) {
      return statements.getCompletion.get(key)?.content;
    },
    async saveCompletion(key: string, model: string, content: string, tokens: TokenCounts) {
      statements.putCompletion.run({ key, model, content, ...tokens });
    },
    async cachedEmbeddings(keys) {
      return getEmbeddings(keys);
    },
    // Vectors are kept as Float32 bytes in the machine's order (little-endian on x86 and ARM).
    async saveEmbeddings(encoder, entries) {
      if (entries.length > 0) putEmbeddings(encoder, entries);
    },
    async close() {
      heartbeat.stop();
      db.close();
    },
  };
}

/** A copy, not a view: a Float32Array must start on a 4-byte boundary, and the driver's Buffer need not. */
function float32FromBytes(bytes: Buffer): Float32Array {
  const vector = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(vector.buffer).set(bytes);
  return vector;
}
