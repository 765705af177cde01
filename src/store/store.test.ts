import { hostname } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { runCommand } from "../../test/run-command.js";
import { tempDir } from "../../test/temp-dir.js";
import { leaseOwner, Store } from "./store.js";

const info = { kind: "grade", config: {}, dataHash: "d", judgeModel: "j", promptVersion: "p" };
const model = { judgeModel: "j", promptVersion: "p" };
const tokens = { promptTokens: 1, completionTokens: 1 };

describe("Store runs", () => {
  it("gives every run its own id, and says when a run of the same identity came before", () => {
    const store = Store.open(":memory:");
    const first = store.startRun("a".repeat(64), info);
    const second = store.startRun("a".repeat(64), info);
    expect(first.resumed).toBe(false);
    expect(second.resumed).toBe(true);
    expect(second.id).not.toBe(first.id);
    expect(second.id.startsWith("a".repeat(16))).toBe(true);
    expect(store.startRun("b".repeat(64), info).resumed).toBe(false);
  });

  it("upgrades a store written before run ids were unique, whose ids are identities", async () => {
    const path = join(await tempDir(), "old.sqlite");
    const old = new Database(path);
    old.exec(`CREATE TABLE runs (id TEXT PRIMARY KEY, kind TEXT NOT NULL, config TEXT NOT NULL, data_hash TEXT NOT NULL,
      judge_model TEXT NOT NULL, prompt_version TEXT NOT NULL, status TEXT NOT NULL, summary TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
      INSERT INTO runs VALUES ('old-identity', 'grade', '{}', 'd', 'j', 'p', 'done', NULL, 'now', 'now');`);
    old.close();
    const store = Store.open(path);
    expect(store.startRun("old-identity", info).resumed).toBe(true);
    store.close();
  });
});

describe("Store verdict leases", () => {
  const record = (cacheKey: string, runId: string) => ({ runId, exampleKey: "e", itemIndex: 0, cacheKey });

  it("lets one owner ask, makes the others wait, and hands them the verdict once it is saved", () => {
    const store = Store.open(":memory:");
    const run = store.startRun("r", info);
    const [a, b] = [leaseOwner(), leaseOwner()];
    expect(store.claimVerdict("k", a, 60_000)).toEqual({ state: "claimed" });
    expect(store.claimVerdict("k", b, 60_000)).toEqual({ state: "busy" });
    expect(store.claimVerdict("k", a, 60_000)).toEqual({ state: "claimed" });
    store.saveVerdict(record("k", run.id), { criteria_met: true, explanation: "x" }, model, tokens);
    expect(store.claimVerdict("k", b, 60_000)).toEqual({ state: "cached", verdict: { criteria_met: true, explanation: "x" } });
  });

  it("frees a lease on a judge failure, on release, and when it lapses", async () => {
    const store = Store.open(":memory:");
    const run = store.startRun("r", info);
    const [a, b] = [leaseOwner(), leaseOwner()];
    store.claimVerdict("k1", a, 60_000);
    store.saveFailure(record("k1", run.id), "no answer", a);
    expect(store.claimVerdict("k1", b, 60_000).state).toBe("claimed");
    store.claimVerdict("k2", a, 60_000);
    store.releaseLeases(a);
    expect(store.claimVerdict("k2", b, 60_000).state).toBe("claimed");
    // Another host's owner: only expiry frees it; renewal keeps it.
    const remote = `not-${hostname()}:1:x`;
    store.claimVerdict("k3", remote, 50);
    store.renewLeases(remote, 300);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(store.claimVerdict("k3", b, 60_000).state).toBe("busy");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(store.claimVerdict("k3", b, 60_000).state).toBe("claimed");
  });

  it("takes at once a lease left by a process of this host that has died", async () => {
    const store = Store.open(":memory:");
    const exited = await runCommand(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
    store.claimVerdict("k", `${hostname()}:${exited.stdout}:x`, 60_000);
    expect(store.claimVerdict("k", leaseOwner(), 60_000).state).toBe("claimed");
    store.claimVerdict("k2", `${hostname()}:${process.pid}:x`, 60_000);
    expect(store.claimVerdict("k2", leaseOwner(), 60_000).state).toBe("busy");
  });
});
