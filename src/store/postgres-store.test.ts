import { existsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { freshPostgresStore, needsPostgres, postgresSkipped } from "../../test/shared-postgres.js";
import { describeStoreContract } from "../../test/store-contract.js";
import { tempDir } from "../../test/temp-dir.js";
import { verdictSubject } from "../../test/verdict-subject.js";
import { leaseOwner } from "./lease-owner.js";
import { openPostgresStore, parsePostgresUrl } from "./postgres-store.js";
import { openSqliteStore } from "./sqlite-store.js";

const info = { kind: "grade", config: {}, dataHash: "d", judgeModel: "j", promptVersion: "p" };

const backend = {
  location: async () => freshPostgresStore(await tempDir()),
  open: openPostgresStore,
};

describe.skipIf(postgresSkipped)(`Postgres ${needsPostgres}`, () => {
  describeStoreContract("Postgres", async () => openPostgresStore(await backend.location()), backend);
});

describe.skipIf(postgresSkipped)(`Postgres store ${needsPostgres}`, () => {
  it("creates its tables once when several processes open a new database at once", async () => {
    const location = await backend.location();
    const stores = await Promise.all(Array.from({ length: 6 }, () => openPostgresStore(location)));
    const runs = await Promise.all(stores.map((store, i) => store.startRun(`run-${i}`, info)));
    expect(new Set(runs.map((run) => run.id)).size).toBe(6);
    await Promise.all(stores.map((store) => store.close()));
  });

  it("names the URL without its password when the server is unreachable or refuses, with the right error kind", async () => {
    const location = new URL(await backend.location());
    const missing = new URL(location);
    missing.pathname = "/no_such_database";
    missing.password = "s3cret";
    await expect(openPostgresStore(missing.toString())).rejects.toMatchObject({
      name: "ConfigError",
      message: expect.stringMatching(
        /^postgres:\/\/medrubric@127\.0\.0\.1:\d+\/no_such_database: the store refused the connection: .*no_such_database/,
      ),
    });
    const closed = await openPostgresStore("postgres://medrubric:s3cret@127.0.0.1:1/db").catch((error: Error) => error);
    expect(closed).toMatchObject({
      name: "NetworkError",
      message: expect.stringMatching(/^postgres:\/\/medrubric@127\.0\.0\.1:1\/db: the store is unreachable: /),
    });
    expect(String(closed)).not.toContain("s3cret");
  });
});

describe.skipIf(postgresSkipped)(`Postgres store upgrade ${needsPostgres}`, () => {
  it("upgrades a database written before the criteria's text and the prompts were kept, keeping its verdicts", async () => {
    const location = await backend.location();
    const admin = new pg.Client({ connectionString: parsePostgresUrl(location).connectionString });
    await admin.connect();
    // The first Postgres layout of the verdict cache: no criterion text, prompt, points or tags.
    await admin.query(`CREATE SEQUENCE verdict_cache_seq;
      CREATE TABLE verdict_cache (key text PRIMARY KEY, judge_model text NOT NULL, prompt_version text NOT NULL,
        criteria_met boolean NOT NULL, explanation text NOT NULL, prompt_tokens integer NOT NULL, completion_tokens integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(), criterion_key text, conversation_hash text,
        seq bigint NOT NULL DEFAULT nextval('verdict_cache_seq'));
      INSERT INTO verdict_cache (key, judge_model, prompt_version, criteria_met, explanation, prompt_tokens, completion_tokens)
        VALUES ('old-key', 'j', 'p', true, 'old', 1, 1);`);
    await admin.end();
    const store = await openPostgresStore(location);
    const run = await store.startRun("r", info);
    expect(await store.cachedVerdicts(["old-key"])).toEqual([{ criteria_met: true, explanation: "old" }]);
    await store.saveVerdicts([
      {
        record: { runId: run.id, exampleKey: "e", itemIndex: 0, cacheKey: "new-key" },
        subject: verdictSubject({ conversationHash: "h", points: 5 }),
        verdict: { criteria_met: false, explanation: "" },
        model: { judgeModel: "j", promptVersion: "p" },
        tokens: { promptTokens: 1, completionTokens: 1 },
      },
    ]);
    // The old verdict has no prompt to train on: only the new one is a graded row.
    expect((await store.gradedRows({})).map((row) => [row.conversationHash, row.verdicts[0]?.points])).toEqual([["h", 5]]);
    await store.close();
  });
});

describe.skipIf(postgresSkipped)(`Postgres store, this host's part ${needsPostgres}`, () => {
  it("keeps embeddings in the local SQLite file of the URL's embeddings=, opened only when first used", async () => {
    const dir = await tempDir();
    const file = join(dir, "local", "embeddings.sqlite");
    const url = new URL(await backend.location());
    url.searchParams.set("embeddings", file);
    const store = await openPostgresStore(url.toString());
    expect(store.dataDir).toBe(join(dir, "local"));
    await store.startRun("r", info);
    expect(existsSync(file)).toBe(false);
    await store.saveEmbeddings("enc", [{ key: "v", vector: new Float32Array([1, 2]) }]);
    expect(existsSync(file)).toBe(true);
    await store.close();
    const local = openSqliteStore(file);
    expect([...((await local.cachedEmbeddings(["v"])).get("v") as Float32Array)]).toEqual([1, 2]);
    await local.close();
  });
});

describe.skipIf(postgresSkipped)(`Postgres store races ${needsPostgres}`, () => {
  it("hands over the verdict, not the lease, to a claim that met a save committing while it ran", async () => {
    const location = await backend.location();
    const store = await openPostgresStore(location);
    const [holder, claimer] = [leaseOwner(), leaseOwner()];
    await store.claimVerdicts(["k"], holder, 60_000);
    // The holder's save, held open: the verdict cached and its lease deleted, not yet committed.
    const saver = new pg.Client({ connectionString: parsePostgresUrl(location).connectionString });
    await saver.connect();
    await saver.query("BEGIN");
    await saver.query(`INSERT INTO verdict_cache (key, judge_model, prompt_version, criteria_met, explanation, prompt_tokens, completion_tokens)
      VALUES ('k', 'j', 'p', true, 'saved', 1, 1)`);
    await saver.query("DELETE FROM verdict_leases WHERE key = 'k'");
    // The claim's snapshot predates the commit, and it waits on the deleted lease row until then.
    const claim = store.claimVerdicts(["k"], claimer, 60_000);
    await sleep(300);
    await saver.query("COMMIT");
    await saver.end();
    expect(await claim).toEqual([{ state: "cached", verdict: { criteria_met: true, explanation: "saved" } }]);
    expect(await store.claimVerdicts(["k"], holder, 60_000)).toEqual([
      { state: "cached", verdict: { criteria_met: true, explanation: "saved" } },
    ]);
    await store.close();
  });
});

describe.skipIf(postgresSkipped)(`Postgres store set-up ${needsPostgres}`, () => {
  it("is a one-line configuration error when the user may not create the tables", async () => {
    const location = await backend.location();
    const admin = new pg.Client({ connectionString: parsePostgresUrl(location).connectionString });
    await admin.connect();
    const role = `reader_${process.pid}_${Date.now()}`;
    await admin.query(`CREATE ROLE ${role} LOGIN`);
    await admin.end();
    const url = new URL(location);
    url.username = role;
    await expect(openPostgresStore(url.toString())).rejects.toMatchObject({
      name: "ConfigError",
      message: `postgres://${role}@${url.host}${url.pathname}: cannot open the store: permission denied for schema public`,
    });
  });
});

describe("parsePostgresUrl", () => {
  it("reads the pool's size and the embedding cache's file, passes other parameters on, and never keeps the password in the location", () => {
    const parsed = parsePostgresUrl("postgres://u:pw@db.example:5433/medrubric?pool=4&embeddings=/var/cache/e.sqlite&sslmode=require");
    expect(parsed).toEqual({
      connectionString: "postgres://u:pw@db.example:5433/medrubric?sslmode=require",
      location: "postgres://u@db.example:5433/medrubric",
      pool: 4,
      embeddings: "/var/cache/e.sqlite",
    });
    expect(parsePostgresUrl("postgresql://u@h/d")).toMatchObject({ pool: 10, embeddings: ".medrubric/store.sqlite" });
  });

  it("refuses a pool size out of range, and a URL it cannot read, without the password", () => {
    for (const pool of ["0", "101", "x", "1.5"])
      expect(() => parsePostgresUrl(`postgres://u:pw@h/d?pool=${pool}`)).toThrow(
        `postgres://u@h/d: pool=${pool}: the connection pool's size must be an integer from 1 to 100`,
      );
    expect(() => parsePostgresUrl("postgres://u:pw@[bad/d")).toThrow(/^postgres:\/\/u:\*\*\*@\[bad\/d: not a postgres:\/\/ URL/);
  });
});
