/**
 * The Postgres store (`pg`), shared by every reward-server replica and grading run on any number
 * of hosts: runs and their verdicts, the verdict cache with its leases, the hybrid's memory (the
 * verdicts' subjects and the answers' text) and the completion cache live in the database; the
 * embedding cache stays in a SQLite file on this host (vectors are cheap to recompute and large
 * to ship), the SQLite store composed in for it, opened when first used.
 *
 * URL: postgres://USER@HOST:PORT/DB[?pool=N&embeddings=FILE]. `pool` bounds this process's
 * connections (default 10); `embeddings` is the local SQLite file (default the SQLite store's
 * default, .medrubric/store.sqlite under the working folder). Other parameters (sslmode, ...) go
 * to the driver. A password is best left out of the URL (PGPASSWORD or ~/.pgpass): it is never
 * printed either way.
 *
 * Times (lease expiry, heartbeats, verdict ages) are the database's clock, now(), so hosts whose
 * clocks disagree still agree on who holds a lease.
 */
import { randomUUID } from "node:crypto";
import { dirname } from "node:path";
import pg from "pg";
import { ConfigError, MedrubricError, NetworkError } from "../core/errors.js";
import { assembleGradedRows, encodeMessages, encodeTags, type GradedVerdictRow, type PromptRow } from "./graded-rows.js";
import { isDeadLocalOwner } from "./lease-owner.js";
import { interruptedRunIds, runOwner, startRunHeartbeat } from "./run-liveness.js";
import { DEFAULT_STORE, openSqliteStore } from "./sqlite-store.js";
import type { CachedVerdict, NewVerdict, RunLivenessOptions, RunStatus, Store, VerdictClaim, VerdictRecord } from "./store.js";
import { type FilterDialect, verdictFilterWhere } from "./verdict-filter.js";

export const DEFAULT_POOL = 10;
export const MAX_POOL = 100;
/** How long opening a connection may take before the store is called unreachable. */
const CONNECT_TIMEOUT_MS = 10_000;
/** Any constant shared by every medrubric process: the advisory lock held while the schema is created. */
const SCHEMA_LOCK = 7_242_031_932;

// The tables of the SQLite store, in Postgres types. A column added later goes in MIGRATIONS
// (ADD COLUMN IF NOT EXISTS), so an older database is brought up to date at open.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id text PRIMARY KEY, identity text, kind text NOT NULL, config text NOT NULL, data_hash text NOT NULL,
  judge_model text NOT NULL, prompt_version text NOT NULL, status text NOT NULL, summary text,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX IF NOT EXISTS runs_identity ON runs (identity);
CREATE TABLE IF NOT EXISTS verdict_leases (key text PRIMARY KEY, owner text NOT NULL, expires_at timestamptz NOT NULL);
CREATE INDEX IF NOT EXISTS verdict_leases_owner ON verdict_leases (owner);
CREATE SEQUENCE IF NOT EXISTS verdict_cache_seq;
CREATE TABLE IF NOT EXISTS verdict_cache (
  key text PRIMARY KEY, judge_model text NOT NULL, prompt_version text NOT NULL,
  criteria_met boolean NOT NULL, explanation text NOT NULL,
  prompt_tokens integer NOT NULL, completion_tokens integer NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
  criterion_key text, conversation_hash text, seq bigint NOT NULL DEFAULT nextval('verdict_cache_seq'));
CREATE INDEX IF NOT EXISTS verdict_cache_criterion ON verdict_cache (criterion_key, seq);
CREATE TABLE IF NOT EXISTS graded_answers (conversation_hash text PRIMARY KEY, answer text NOT NULL);
CREATE TABLE IF NOT EXISTS graded_prompts (prompt_hash text PRIMARY KEY, prompt_id text, messages text NOT NULL);
CREATE TABLE IF NOT EXISTS run_verdicts (
  run_id text NOT NULL REFERENCES runs(id), example_key text NOT NULL, item_index integer NOT NULL,
  cache_key text NOT NULL, failure text, PRIMARY KEY (run_id, example_key, item_index));
CREATE TABLE IF NOT EXISTS completion_cache (
  key text PRIMARY KEY, model text NOT NULL, content text NOT NULL,
  prompt_tokens integer NOT NULL, completion_tokens integer NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
`;

const MIGRATIONS = `
ALTER TABLE runs ADD COLUMN IF NOT EXISTS owner text;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS heartbeat_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE verdict_cache ADD COLUMN IF NOT EXISTS criterion text;
ALTER TABLE verdict_cache ADD COLUMN IF NOT EXISTS prompt_hash text;
ALTER TABLE verdict_cache ADD COLUMN IF NOT EXISTS points double precision;
ALTER TABLE verdict_cache ADD COLUMN IF NOT EXISTS tags text;
`;

export interface PostgresLocation {
  /** What the driver connects with: the URL less medrubric's own parameters. */
  connectionString: string;
  /** The URL without its password or parameters, for messages. */
  location: string;
  pool: number;
  embeddings: string;
}

/** Reads a postgres:// URL and medrubric's parameters; a malformed one is a ConfigError that never shows the password. */
export function parsePostgresUrl(url: string): PostgresLocation {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`${redactPassword(url)}: not a postgres:// URL (postgres://USER@HOST:PORT/DB)`);
  }
  const location = `${parsed.protocol}//${parsed.username ? `${parsed.username}@` : ""}${parsed.host}${parsed.pathname}`;
  const poolText = parsed.searchParams.get("pool") ?? String(DEFAULT_POOL);
  const pool = Number(poolText);
  if (!/^\d+$/.test(poolText) || pool < 1 || pool > MAX_POOL)
    throw new ConfigError(`${location}: pool=${poolText}: the connection pool's size must be an integer from 1 to ${MAX_POOL}`);
  const embeddings = parsed.searchParams.get("embeddings") || DEFAULT_STORE;
  parsed.searchParams.delete("pool");
  parsed.searchParams.delete("embeddings");
  return { connectionString: parsed.toString(), location, pool, embeddings };
}

/** A URL-ish text with anything between "//user:" and "@" blanked: for a URL too broken to parse. */
function redactPassword(url: string): string {
  return url.replace(/(\/\/[^/:@]*:)[^@/]*@/, "$1***@");
}

const CONNECTION_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ECONNRESET", "EPIPE", "ENOENT"]);

/** A driver error as one of ours: the server out of reach is a NetworkError, a refusal (login, database) a ConfigError. */
function storeError(location: string, error: unknown): Error {
  const { code, message } = error as { code?: string; message?: string };
  const reason = message || code || String(error);
  const lost = /terminat|timeout|Connection ended|closed/i.test(reason);
  if ((code && (CONNECTION_CODES.has(code) || code.startsWith("08") || code.startsWith("57P"))) || lost)
    return new NetworkError(`${location}: the store is unreachable: ${reason}`, { cause: error });
  if (code?.startsWith("28") || code === "3D000")
    return new ConfigError(`${location}: the store refused the connection: ${reason}`, { cause: error });
  return error as Error;
}

/** Deadlocks and serialization failures: the statement is retried (another claimant took rows in another order). */
const RETRIABLE = new Set(["40P01", "40001"]);

/** Opens the Postgres store at `url`, creating its tables (once, under an advisory lock, however many processes open it at once). */
export async function openPostgresStore(url: string, options: RunLivenessOptions = {}): Promise<Store> {
  const where = parsePostgresUrl(url);
  const pool = new pg.Pool({
    connectionString: where.connectionString,
    max: where.pool,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  // An idle connection's error (the server restarted) is not fatal: the next query gets a new one, or reports it.
  pool.on("error", () => {});
  const query = async <R extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await pool.query<R>(sql, params);
      } catch (error) {
        if (attempt < 4 && RETRIABLE.has((error as { code?: string }).code ?? "")) continue;
        throw storeError(where.location, error);
      }
    }
  };
  try {
    await query(`BEGIN; SELECT pg_advisory_xact_lock(${SCHEMA_LOCK}); ${SCHEMA} ${MIGRATIONS} COMMIT;`);
    await interruptGoneRuns(query, options);
  } catch (error) {
    await pool.end().catch(() => {});
    // Anything else that stops the store opening (no right to create its tables, ...) is the set-up's to fix.
    if (error instanceof MedrubricError) throw error;
    throw new ConfigError(`${where.location}: cannot open the store: ${(error as Error).message}`, { cause: error });
  }
  return postgresStore(query, pool, where, options);
}

type Query = <R extends pg.QueryResultRow>(sql: string, params?: unknown[]) => Promise<pg.QueryResult<R>>;

async function interruptGoneRuns(query: Query, options: RunLivenessOptions): Promise<void> {
  const { rows } = await query<{ id: string; owner: string | null; age_ms: number }>(
    "SELECT id, owner, (extract(epoch FROM now() - heartbeat_at) * 1000)::float8 AS age_ms FROM runs WHERE status = 'running'",
  );
  const gone = interruptedRunIds(
    rows.map((row) => ({ id: row.id, owner: row.owner, heartbeatAgeMs: row.age_ms })),
    options,
  );
  if (gone.length > 0)
    await query("UPDATE runs SET status = 'interrupted', updated_at = now() WHERE id = ANY($1) AND status = 'running'", [gone]);
}

const POSTGRES_FILTER: FilterDialect = {
  placeholder: (n) => `$${n}`,
  contains: (column, param) => `strpos(${column}, ${param}) > 0`,
  olderThan: (column, param, olderThanMs) => ({ sql: `${column} < now() - ${param} * interval '1 millisecond'`, value: olderThanMs }),
};

interface CachedRow {
  key: string;
  criteria_met: boolean;
  explanation: string;
}

const cachedFromRows = (rows: readonly CachedRow[]): Map<string, CachedVerdict> =>
  new Map(rows.map((row) => [row.key, { criteria_met: row.criteria_met, explanation: row.explanation }]));

/** A text[] literal of `values`, each quoted (for a simple query, which takes no parameters). */
const textArray = (values: readonly string[]): string => `ARRAY[${values.map((value) => pg.escapeLiteral(value)).join(",")}]::text[]`;

/** The last of each key wins: one statement may not update a row twice. */
function lastByKey<T>(items: readonly T[], keyOf: (item: T) => string): T[] {
  return [...new Map(items.map((item) => [keyOf(item), item])).values()];
}

const recordKey = (record: VerdictRecord) => JSON.stringify([record.runId, record.exampleKey, record.itemIndex]);

/** Run verdicts as column arrays, for unnest: (run_id, example_key, item_index, cache_key, failure). */
function runVerdictColumns(rows: readonly { record: VerdictRecord; failure: string | null }[]): unknown[] {
  const unique = lastByKey(rows, (row) => recordKey(row.record));
  return [
    unique.map((row) => row.record.runId),
    unique.map((row) => row.record.exampleKey),
    unique.map((row) => row.record.itemIndex),
    unique.map((row) => row.record.cacheKey),
    unique.map((row) => row.failure),
  ];
}

/** Upserts the run verdicts given as $1..$5 (runVerdictColumns). */
const UPSERT_RUN_VERDICTS = `INSERT INTO run_verdicts (run_id, example_key, item_index, cache_key, failure)
  SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[])
  ON CONFLICT (run_id, example_key, item_index) DO UPDATE SET cache_key = excluded.cache_key, failure = excluded.failure`;

function postgresStore(query: Query, pool: pg.Pool, where: PostgresLocation, options: RunLivenessOptions): Store {
  // This host's embedding cache, opened when first used: a command that embeds nothing (grading,
  // `verdicts`) leaves no SQLite file behind in the working folder.
  let local: Store | undefined;
  const embeddings = () => {
    local ??= openSqliteStore(where.embeddings, options);
    return local;
  };
  const heartbeat = startRunHeartbeat(async (runIds) => {
    await query("UPDATE runs SET heartbeat_at = now() WHERE id = ANY($1) AND status = 'running'", [runIds]);
  }, options);

  const cachedByKey = async (keys: readonly string[]): Promise<Map<string, CachedVerdict>> => {
    const { rows } = await query<CachedRow>("SELECT key, criteria_met, explanation FROM verdict_cache WHERE key = ANY($1)", [keys]);
    return cachedFromRows(rows);
  };

  /**
   * One INSERT ... ON CONFLICT takes every lease that is free, lapsed, already this owner's or a
   * dead local process's: the conflicting row is locked before the WHERE is checked, so of many
   * claimants exactly one takes it, without a transaction around the statement. (SKIP LOCKED
   * would need the lease rows to exist first; advisory locks a second round trip.) Keys go in
   * sorted order so that two batches never lock the same rows in opposite orders. A verdict
   * saved after the INSERT's snapshot was taken (its lease deleted meanwhile, so the INSERT found
   * no conflict) is caught by the SELECT after it, which sees every commit before it. Both go in
   * one round trip: one simple query holding both statements, its values quoted as literals
   * (the extended protocol, which binds parameters, takes one statement per round trip).
   */
  const claimOnce = async (keys: readonly string[], owner: string, leaseMs: number, deadOwners: readonly string[]) => {
    const wanted = textArray(keys);
    const [claimedRows, cachedRows] = (await query(
      `INSERT INTO verdict_leases (key, owner, expires_at)
       SELECT k, ${pg.escapeLiteral(owner)}, now() + ${Math.round(leaseMs)} * interval '1 millisecond'
       FROM (SELECT DISTINCT unnest(${wanted}) AS k) AS wanted
       WHERE NOT EXISTS (SELECT 1 FROM verdict_cache c WHERE c.key = k) ORDER BY k
       ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
       WHERE verdict_leases.owner = excluded.owner OR verdict_leases.expires_at <= now()
          OR verdict_leases.owner = ANY(${textArray(deadOwners)})
       RETURNING key;
       SELECT key, criteria_met, explanation FROM verdict_cache WHERE key = ANY(${wanted});`,
    )) as unknown as [pg.QueryResult<{ key: string }>, pg.QueryResult<CachedRow>];
    const claimed = new Set(claimedRows.rows.map((row) => row.key));
    const cached = cachedFromRows(cachedRows.rows);
    const raced = [...claimed].filter((key) => cached.has(key));
    if (raced.length > 0) await query("DELETE FROM verdict_leases WHERE key = ANY($1) AND owner = $2", [raced, owner]);
    return keys.map((key): VerdictClaim => {
      const verdict = cached.get(key);
      if (verdict) return { state: "cached", verdict };
      return claimed.has(key) ? { state: "claimed" } : { state: "busy" };
    });
  };

  return {
    location: where.location,
    dataDir: where.embeddings === ":memory:" ? undefined : dirname(where.embeddings),
    async cachedVerdicts(keys) {
      const cached = await cachedByKey(keys);
      return keys.map((key) => cached.get(key));
    },
    async claimVerdicts(keys, owner, leaseMs) {
      if (keys.length === 0) return [];
      const claims = await claimOnce(keys, owner, leaseMs, []);
      const busy = keys.filter((_, i) => claims[i]?.state === "busy");
      if (busy.length === 0) return claims;
      // Leases left by a killed process of this host are taken at once, as on SQLite.
      const { rows } = await query<{ owner: string }>("SELECT DISTINCT owner FROM verdict_leases WHERE key = ANY($1)", [busy]);
      const dead = rows.map((row) => row.owner).filter(isDeadLocalOwner);
      if (dead.length === 0) return claims;
      const retried = new Map((await claimOnce(busy, owner, leaseMs, dead)).map((claim, i) => [busy[i] as string, claim]));
      return keys.map((key, i) => retried.get(key) ?? (claims[i] as VerdictClaim));
    },
    async saveVerdicts(verdicts) {
      if (verdicts.length === 0) return;
      const unique = lastByKey(verdicts, (v: NewVerdict) => v.record.cacheKey);
      const column = <T>(pick: (v: NewVerdict) => T) => unique.map(pick);
      // Each prompt's messages go once per group, however many of its verdicts the group holds.
      const prompts = lastByKey(unique, (v) => v.subject.promptHash).map((v) => v.subject);
      // One statement, so one transaction: the verdicts cached, their answers and prompts kept, their runs' records, their leases freed.
      await query(
        `WITH v AS (
           SELECT * FROM unnest($6::text[], $7::text[], $8::text[], $9::boolean[], $10::text[], $11::int[], $12::int[],
                                $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::float8[], $19::text[])
             AS t(key, judge_model, prompt_version, criteria_met, explanation, prompt_tokens, completion_tokens,
                  criterion_key, conversation_hash, criterion, answer, prompt_hash, points, tags)),
         cached AS (
           INSERT INTO verdict_cache (key, judge_model, prompt_version, criteria_met, explanation, prompt_tokens, completion_tokens,
                                      criterion_key, conversation_hash, criterion, prompt_hash, points, tags)
           SELECT key, judge_model, prompt_version, criteria_met, explanation, prompt_tokens, completion_tokens,
                  criterion_key, conversation_hash, criterion, prompt_hash, points, tags FROM v ORDER BY key
           ON CONFLICT (key) DO UPDATE SET judge_model = excluded.judge_model, prompt_version = excluded.prompt_version,
             criteria_met = excluded.criteria_met, explanation = excluded.explanation, prompt_tokens = excluded.prompt_tokens,
             completion_tokens = excluded.completion_tokens, criterion_key = excluded.criterion_key,
             conversation_hash = excluded.conversation_hash, criterion = excluded.criterion, prompt_hash = excluded.prompt_hash,
             points = excluded.points, tags = excluded.tags, created_at = now(), seq = nextval('verdict_cache_seq')),
         answers AS (
           INSERT INTO graded_answers (conversation_hash, answer) SELECT DISTINCT ON (conversation_hash) conversation_hash, answer FROM v
           ON CONFLICT DO NOTHING),
         -- A prompt first kept without an id (from the server) takes one when grade brings it.
         prompts AS (
           INSERT INTO graded_prompts (prompt_hash, prompt_id, messages)
           SELECT * FROM unnest($20::text[], $21::text[], $22::text[]) ORDER BY 1
           ON CONFLICT (prompt_hash) DO UPDATE SET prompt_id = excluded.prompt_id
           WHERE graded_prompts.prompt_id IS NULL AND excluded.prompt_id IS NOT NULL),
         recorded AS (${UPSERT_RUN_VERDICTS}),
         freed AS (DELETE FROM verdict_leases WHERE key IN (SELECT key FROM v))
         SELECT 1`,
        [
          ...runVerdictColumns(verdicts.map(({ record }) => ({ record, failure: null }))),
          column((v) => v.record.cacheKey),
          column((v) => v.model.judgeModel),
          column((v) => v.model.promptVersion),
          column((v) => v.verdict.criteria_met),
          column((v) => v.verdict.explanation),
          column((v) => v.tokens.promptTokens),
          column((v) => v.tokens.completionTokens),
          column((v) => v.subject.criterionKey),
          column((v) => v.subject.conversationHash),
          column((v) => v.subject.criterion),
          column((v) => v.subject.answer),
          column((v) => v.subject.promptHash),
          column((v) => v.subject.points),
          column((v) => encodeTags(v.subject.tags)),
          prompts.map((p) => p.promptHash),
          prompts.map((p) => p.promptId),
          prompts.map((p) => encodeMessages(p.prompt)),
        ],
      );
    },
    async linkVerdicts(records) {
      if (records.length > 0) await query(UPSERT_RUN_VERDICTS, runVerdictColumns(records.map((record) => ({ record, failure: null }))));
    },
    async saveFailures(failures, owner) {
      if (failures.length === 0) return;
      await query(
        `WITH recorded AS (${UPSERT_RUN_VERDICTS})
         DELETE FROM verdict_leases WHERE key = ANY($4::text[]) AND owner = $6`,
        [...runVerdictColumns(failures), owner],
      );
    },
    async criterionVerdicts(criterionKeys, limit) {
      const { rows } = await query<{ k: string; conversation_hash: string; criteria_met: boolean }>(
        `SELECT k, c.conversation_hash, c.criteria_met FROM (SELECT DISTINCT unnest($1::text[]) AS k) AS wanted,
           LATERAL (SELECT conversation_hash, criteria_met, seq FROM verdict_cache WHERE criterion_key = k ORDER BY seq DESC LIMIT $2) AS c
         ORDER BY k, c.seq DESC`,
        [criterionKeys, limit],
      );
      const found = new Map<string, { conversationHash: string; criteria_met: boolean }[]>();
      for (const row of rows) {
        const list = found.get(row.k) ?? [];
        list.push({ conversationHash: row.conversation_hash, criteria_met: row.criteria_met });
        found.set(row.k, list);
      }
      return found;
    },
    async gradedAnswers(conversationHashes) {
      const { rows } = await query<{ conversation_hash: string; answer: string }>(
        "SELECT conversation_hash, answer FROM graded_answers WHERE conversation_hash = ANY($1)",
        [conversationHashes],
      );
      return new Map(rows.map((row) => [row.conversation_hash, row.answer]));
    },
    async gradedRows(filter) {
      const { where: condition, params } = verdictFilterWhere(filter, POSTGRES_FILTER);
      const { rows: verdicts } = await query<GradedVerdictRow>(
        `SELECT prompt_hash, conversation_hash, criterion, points, tags, criteria_met FROM verdict_cache
         ${condition ? `${condition} AND` : "WHERE"} prompt_hash IS NOT NULL ORDER BY prompt_hash, conversation_hash, seq DESC`,
        params,
      );
      const { rows: prompts } = await query<PromptRow>(
        "SELECT prompt_hash, prompt_id, messages FROM graded_prompts WHERE prompt_hash = ANY($1)",
        [[...new Set(verdicts.map((v) => v.prompt_hash))]],
      );
      const answers = await this.gradedAnswers([...new Set(verdicts.map((v) => v.conversation_hash))]);
      return assembleGradedRows(where.location, verdicts, prompts, answers);
    },
    async renewLeases(owner, leaseMs) {
      // Rows locked in key order, as claims lock them: a renewal and a claim never wait on each other in a cycle.
      await query(
        `UPDATE verdict_leases SET expires_at = now() + $2 * interval '1 millisecond'
         WHERE key IN (SELECT key FROM verdict_leases WHERE owner = $1 ORDER BY key FOR UPDATE) AND owner = $1`,
        [owner, leaseMs],
      );
    },
    async releaseLeases(owner) {
      await query("DELETE FROM verdict_leases WHERE owner = $1", [owner]);
    },
    async listVerdicts(filter, limit) {
      const { where, params } = verdictFilterWhere(filter, POSTGRES_FILTER);
      const { rows } = await query<{
        key: string;
        judge_model: string;
        prompt_version: string;
        criterion: string | null;
        criteria_met: boolean;
        created_at: Date;
      }>(
        `SELECT key, judge_model, prompt_version, criterion, criteria_met, created_at FROM verdict_cache ${where}
         ORDER BY created_at, key LIMIT $${params.length + 1}`,
        [...params, limit],
      );
      return rows.map((row) => ({
        key: row.key,
        judgeModel: row.judge_model,
        promptVersion: row.prompt_version,
        criterion: row.criterion,
        criteria_met: row.criteria_met,
        createdAt: row.created_at.toISOString(),
      }));
    },
    async removeVerdicts(filter, options) {
      const { where, params } = verdictFilterWhere(filter, POSTGRES_FILTER);
      if (options?.dryRun)
        return (await query<{ n: number }>(`SELECT count(*)::int AS n FROM verdict_cache ${where}`, params)).rows[0]?.n ?? 0;
      return (await query(`DELETE FROM verdict_cache ${where}`, params)).rowCount ?? 0;
    },
    async startRun(identity, info) {
      // Stores written before run ids were unique have the identity as the id.
      const found = await query("SELECT 1 FROM runs WHERE identity = $1 OR id = $1 LIMIT 1", [identity]);
      const id = `${identity.slice(0, 16)}-${randomUUID()}`;
      await query(
        `INSERT INTO runs (id, identity, kind, config, data_hash, judge_model, prompt_version, status, owner)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'running', $8)`,
        [id, identity, info.kind, JSON.stringify(info.config), info.dataHash, info.judgeModel, info.promptVersion, runOwner()],
      );
      heartbeat.add(id);
      return { id, resumed: (found.rowCount ?? 0) > 0 };
    },
    async finishRun(id, status, summary) {
      heartbeat.remove(id);
      await query("UPDATE runs SET status = $2, summary = $3, updated_at = now() WHERE id = $1", [id, status, JSON.stringify(summary)]);
    },
    async runCounts(runId) {
      const { rows } = await query<{ verdicts: number; failures: number }>(
        "SELECT count(*)::int AS verdicts, count(failure)::int AS failures FROM run_verdicts WHERE run_id = $1",
        [runId],
      );
      return rows[0] ?? { verdicts: 0, failures: 0 };
    },
    async runStatus(runId) {
      const { rows } = await query<{ status: RunStatus }>("SELECT status FROM runs WHERE id = $1", [runId]);
      return rows[0]?.status;
    },
    async cachedCompletion(key) {
      const { rows } = await query<{ content: string }>("SELECT content FROM completion_cache WHERE key = $1", [key]);
      return rows[0]?.content;
    },
    async saveCompletion(key, model, content, tokens) {
      await query(
        `INSERT INTO completion_cache (key, model, content, prompt_tokens, completion_tokens) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (key) DO UPDATE SET model = excluded.model, content = excluded.content,
           prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens, created_at = now()`,
        [key, model, content, tokens.promptTokens, tokens.completionTokens],
      );
    },
    cachedEmbeddings: (keys) => embeddings().cachedEmbeddings(keys),
    saveEmbeddings: (encoder, entries) => embeddings().saveEmbeddings(encoder, entries),
    async close() {
      heartbeat.stop();
      await Promise.all([pool.end(), local?.close()]);
    },
  };
}
