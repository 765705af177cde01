/**
 * The contract every Store backend passes (run from each backend's test file under src/store/):
 * runs and their ids, the verdict cache and its leases (one owner asks, the others wait and get
 * the cached verdict; failures free the lease and are never cached; leases lapse unless renewed;
 * a lease of a dead process on this host is taken at once), the completion and embedding caches,
 * listing and removing cached verdicts. `open` gives a fresh, empty store each time; a backend
 * other processes can share (`shared`) also passes the tests of runs left by processes that are
 * gone: killed on this host, or silent on another (a child in its own UTS namespace, whose
 * hostname differs; `unshare` needs root or user namespaces).
 */
import { hostname } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it, onTestFinished } from "vitest";
import { leaseOwner } from "../src/store/lease-owner.js";
import type { RunLivenessOptions, Store, VerdictSubject } from "../src/store/store.js";
import { onOtherHost } from "./other-host.js";
import { runCommand, spawnCommand } from "./run-command.js";
import { projectRoot } from "./shared-data.js";
import { verdictSubject } from "./verdict-subject.js";

const info = { kind: "grade", config: { a: 1 }, dataHash: "d", judgeModel: "j", promptVersion: "p" };
const model = { judgeModel: "j", promptVersion: "p" };
const tokens = { promptTokens: 3, completionTokens: 2 };
const record = (cacheKey: string, runId: string, itemIndex = 0) => ({ runId, exampleKey: "e", itemIndex, cacheKey });
const subject = (conversationHash = "conversation", criterionKey = "criterion", criterion = "Mentions apples.") =>
  verdictSubject({ criterionKey, conversationHash, criterion });

/** A store several processes open by its location (a file, a database URL). */
export interface SharedBackend {
  /** The location of a new, empty store. */
  location(): Promise<string>;
  open(location: string, options?: RunLivenessOptions): Promise<Store>;
}

/** Starts a run on the store at `location` in a child process that exits without finishing it; `elsewhere` gives the child another hostname. */
function startRunInChild(location: string, options: { elsewhere?: boolean; stayMs?: number } = {}) {
  const child = [
    process.execPath,
    "--import",
    "tsx",
    join(projectRoot, "test/start-run-and-exit.ts"),
    location,
    String(options.stayMs ?? 0),
  ];
  const [command, args] = options.elsewhere
    ? onOtherHost("elsewhere", child[0] as string, child.slice(1))
    : [child[0] as string, child.slice(1)];
  const { child: process_, result } = spawnCommand(command, args, { cwd: projectRoot });
  const runId = new Promise<string>((resolve, reject) => {
    process_.stdout?.on("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
    result.then((done) => reject(new Error(`the child exited before starting its run: ${done.stderr}`)));
  });
  return { runId, result };
}

export function describeStoreContract(name: string, open: () => Promise<Store>, shared?: SharedBackend): void {
  const fresh = async () => {
    const store = await open();
    onTestFinished(() => store.close());
    return store;
  };
  const reopen = async (location: string, options?: RunLivenessOptions) => {
    const store = await (shared as SharedBackend).open(location, options);
    onTestFinished(() => store.close());
    return store;
  };

  describe(`Store contract: ${name}`, () => {
    it("gives every run its own id, and says when a run of the same identity came before", async () => {
      const store = await fresh();
      const first = await store.startRun("a".repeat(64), info);
      const second = await store.startRun("a".repeat(64), info);
      expect(first.resumed).toBe(false);
      expect(second.resumed).toBe(true);
      expect(second.id).not.toBe(first.id);
      expect(second.id.startsWith("a".repeat(16))).toBe(true);
      expect((await store.startRun("b".repeat(64), info)).resumed).toBe(false);
      await store.finishRun(first.id, "done", { ok: true });
    });

    it("lets one owner ask, makes the others wait, and hands them the verdict once it is saved", async () => {
      const store = await fresh();
      const run = await store.startRun("r", info);
      const [a, b] = [leaseOwner(), leaseOwner()];
      expect(await store.claimVerdicts(["k"], a, 60_000)).toEqual([{ state: "claimed" }]);
      expect(await store.claimVerdicts(["k"], b, 60_000)).toEqual([{ state: "busy" }]);
      expect(await store.claimVerdicts(["k"], a, 60_000)).toEqual([{ state: "claimed" }]);
      await store.saveVerdicts([
        { record: record("k", run.id), subject: subject(), verdict: { criteria_met: true, explanation: "x" }, model, tokens },
      ]);
      expect(await store.claimVerdicts(["k"], b, 60_000)).toEqual([{ state: "cached", verdict: { criteria_met: true, explanation: "x" } }]);
      expect(await store.cachedVerdicts(["k", "other"])).toEqual([{ criteria_met: true, explanation: "x" }, undefined]);
      expect(await store.runCounts(run.id)).toEqual({ verdicts: 1, failures: 0 });
    });

    it("claims several keys at once, in order, each by the same rules", async () => {
      const store = await fresh();
      const run = await store.startRun("r", info);
      const [a, b] = [leaseOwner(), leaseOwner()];
      await store.claimVerdicts(["held"], a, 60_000);
      await store.saveVerdicts([
        { record: record("done", run.id), subject: subject(), verdict: { criteria_met: false, explanation: "" }, model, tokens },
      ]);
      expect(await store.claimVerdicts(["new", "held", "done", "new2"], b, 60_000)).toEqual([
        { state: "claimed" },
        { state: "busy" },
        { state: "cached", verdict: { criteria_met: false, explanation: "" } },
        { state: "claimed" },
      ]);
    });

    it("records failures without caching them, frees their lease, and links cached verdicts to a run", async () => {
      const store = await fresh();
      const run = await store.startRun("r", info);
      const [a, b] = [leaseOwner(), leaseOwner()];
      await store.claimVerdicts(["k1"], a, 60_000);
      await store.saveFailures([{ record: record("k1", run.id), failure: "no answer" }], a);
      expect(await store.cachedVerdicts(["k1"])).toEqual([undefined]);
      expect(await store.claimVerdicts(["k1"], b, 60_000)).toEqual([{ state: "claimed" }]);
      await store.saveVerdicts([
        { record: record("k2", run.id, 1), subject: subject(), verdict: { criteria_met: true, explanation: "" }, model, tokens },
      ]);
      const other = await store.startRun("s", info);
      await store.linkVerdicts([record("k2", other.id, 1)]);
      expect(await store.runCounts(run.id)).toEqual({ verdicts: 2, failures: 1 });
      expect(await store.runCounts(other.id)).toEqual({ verdicts: 1, failures: 0 });
    });

    it("frees leases on release, and when they lapse; renewal keeps them", async () => {
      const store = await fresh();
      const [a, b] = [leaseOwner(), leaseOwner()];
      await store.claimVerdicts(["k2"], a, 60_000);
      await store.releaseLeases(a);
      expect((await store.claimVerdicts(["k2"], b, 60_000))[0]?.state).toBe("claimed");
      // Another host's owner: only expiry frees it; renewal keeps it.
      const remote = `not-${hostname()}:1:x`;
      await store.claimVerdicts(["k3"], remote, 100);
      await store.renewLeases(remote, 600);
      await sleep(250);
      expect((await store.claimVerdicts(["k3"], b, 60_000))[0]?.state).toBe("busy");
      await sleep(600);
      expect((await store.claimVerdicts(["k3"], b, 60_000))[0]?.state).toBe("claimed");
    });

    it("takes at once a lease left by a process of this host that has died", async () => {
      const store = await fresh();
      const exited = await runCommand(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
      await store.claimVerdicts(["k"], `${hostname()}:${exited.stdout}:x`, 60_000);
      expect((await store.claimVerdicts(["k"], leaseOwner(), 60_000))[0]?.state).toBe("claimed");
      await store.claimVerdicts(["k2"], `${hostname()}:${process.pid}:x`, 60_000);
      expect((await store.claimVerdicts(["k2"], leaseOwner(), 60_000))[0]?.state).toBe("busy");
    });

    it("gives a verdict's lease to exactly one of many owners claiming at once", async () => {
      const store = await fresh();
      const owners = Array.from({ length: 8 }, leaseOwner);
      const claims = await Promise.all(owners.map((owner) => store.claimVerdicts(["contended"], owner, 60_000)));
      expect(claims.filter(([claim]) => claim?.state === "claimed")).toHaveLength(1);
    });

    it("finds the verdicts of a criterion over every answer to its prompt, newest first, with the answers' text", async () => {
      const store = await fresh();
      const run = await store.startRun("r", info);
      const save = (key: string, conversation: string, criterion: string, met: boolean) =>
        store.saveVerdicts([
          {
            record: record(key, run.id),
            subject: subject(conversation, criterion),
            verdict: { criteria_met: met, explanation: "" },
            model,
            tokens,
          },
        ]);
      await save("k1", "c1", "call-911", true);
      await save("k2", "c2", "call-911", false);
      await save("k3", "c3", "call-911", true);
      await save("k4", "c1", "aspirin", false);
      const found = await store.criterionVerdicts(["call-911", "aspirin", "unknown"], 2);
      expect([...found.keys()].sort()).toEqual(["aspirin", "call-911"]);
      expect(found.get("call-911")).toEqual([
        { conversationHash: "c3", criteria_met: true },
        { conversationHash: "c2", criteria_met: false },
      ]);
      expect(await store.gradedAnswers(["c1", "c3", "unknown"])).toEqual(
        new Map([
          ["c1", "answer of c1"],
          ["c3", "answer of c3"],
        ]),
      );
    });

    it("gives back graded rows: each answer with its prompt (kept once) and its verdicts' criteria, points and tags, by judge", async () => {
      const store = await fresh();
      const run = await store.startRun("r", info);
      const ask = [{ role: "user" as const, content: "Chest pain?" }];
      const other = [{ role: "system" as const, content: "Be brief." }, ...ask];
      const save = (key: string, fields: Partial<VerdictSubject>, met: boolean, judge = model) =>
        store.saveVerdicts([
          {
            record: record(key, run.id),
            subject: verdictSubject(fields),
            verdict: { criteria_met: met, explanation: "" },
            model: judge,
            tokens,
          },
        ]);
      const callNow = { criterion: "Says to call 911.", points: 8, tags: ["axis:accuracy"] };
      const rest = { criterion: "Advises rest.", points: -3 };
      await save("k1", { ...callNow, promptHash: "p1", prompt: ask, conversationHash: "c1" }, true);
      await save("k2", { ...rest, promptHash: "p1", prompt: ask, conversationHash: "c1" }, false);
      await save("k3", { ...callNow, promptHash: "p1", prompt: ask, conversationHash: "c2" }, false);
      await save("k4", { ...rest, promptHash: "p2", prompt: other, conversationHash: "c3", promptId: "hb-2" }, true);
      // Another judge on the same criterion of c1: in only without the judge filter, and then the newest wins.
      await save("k5", { ...callNow, promptHash: "p1", prompt: ask, conversationHash: "c1" }, false, {
        judgeModel: "j2",
        promptVersion: "p",
      });
      // A prompt first kept without an id takes the one `grade` brings later.
      await save(
        "k6",
        { criterion: "Asks about age.", points: 2, promptHash: "p1", prompt: ask, conversationHash: "c2", promptId: "hb-1" },
        true,
      );
      const p1 = { promptHash: "p1", promptId: "hb-1", prompt: ask };
      expect(await store.gradedRows({ judgeModel: "j" })).toEqual([
        {
          ...p1,
          conversationHash: "c1",
          answer: "answer of c1",
          verdicts: [
            { criterion: "Advises rest.", points: -3, tags: [], criteria_met: false },
            { criterion: "Says to call 911.", points: 8, tags: ["axis:accuracy"], criteria_met: true },
          ],
        },
        {
          ...p1,
          conversationHash: "c2",
          answer: "answer of c2",
          verdicts: [
            { criterion: "Asks about age.", points: 2, tags: [], criteria_met: true },
            { criterion: "Says to call 911.", points: 8, tags: ["axis:accuracy"], criteria_met: false },
          ],
        },
        {
          promptHash: "p2",
          promptId: "hb-2",
          prompt: other,
          conversationHash: "c3",
          answer: "answer of c3",
          verdicts: [{ criterion: "Advises rest.", points: -3, tags: [], criteria_met: true }],
        },
      ]);
      const all = await store.gradedRows({});
      expect(all[0]?.verdicts).toEqual([
        { criterion: "Says to call 911.", points: 8, tags: ["axis:accuracy"], criteria_met: false },
        { criterion: "Advises rest.", points: -3, tags: [], criteria_met: false },
      ]);
      expect(await store.gradedRows({ judgeModel: "j2" })).toHaveLength(1);
      expect(await store.gradedRows({ promptVersion: "other" })).toEqual([]);
    });

    it("lists and removes cached verdicts by judge, grader prompt version, criterion text and age", async () => {
      const store = await fresh();
      const run = await store.startRun("r", info);
      const save = (key: string, judge: { judgeModel: string; promptVersion: string }, criterion: string) =>
        store.saveVerdicts([
          {
            record: record(key, run.id),
            subject: subject(key, key, criterion),
            verdict: { criteria_met: true, explanation: "" },
            model: judge,
            tokens,
          },
        ]);
      await save("k1", { judgeModel: "j", promptVersion: "p" }, "Mentions apples.");
      await save("k2", { judgeModel: "j2", promptVersion: "p" }, "Mentions pears.");
      await save("k3", { judgeModel: "j", promptVersion: "p2" }, "Advises rest.");
      const keys = async (filter: Parameters<Store["listVerdicts"]>[0], limit = 100) =>
        (await store.listVerdicts(filter, limit)).map((verdict) => verdict.key);
      expect(await keys({})).toEqual(["k1", "k2", "k3"]);
      expect(await keys({}, 2)).toEqual(["k1", "k2"]);
      expect(await keys({ judgeModel: "j" })).toEqual(["k1", "k3"]);
      expect(await keys({ criterionText: "Mentions", promptVersion: "p" })).toEqual(["k1", "k2"]);
      expect(await keys({ criterionText: "mentions" })).toEqual([]);
      expect(await keys({ olderThanMs: 60_000 })).toEqual([]);
      const [first] = await store.listVerdicts({ criterionText: "apples" }, 10);
      expect(first).toMatchObject({ key: "k1", judgeModel: "j", promptVersion: "p", criterion: "Mentions apples.", criteria_met: true });
      expect(Date.now() - Date.parse(first?.createdAt ?? "")).toBeLessThan(60_000);
      await sleep(50);
      expect(await keys({ olderThanMs: 10 })).toEqual(["k1", "k2", "k3"]);
      expect(await store.removeVerdicts({ criterionText: "Mentions" }, { dryRun: true })).toBe(2);
      expect(await keys({})).toEqual(["k1", "k2", "k3"]);
      expect(await store.removeVerdicts({ judgeModel: "j", promptVersion: "p2" })).toBe(1);
      expect(await store.cachedVerdicts(["k1", "k3"])).toEqual([{ criteria_met: true, explanation: "" }, undefined]);
      expect((await store.claimVerdicts(["k3"], leaseOwner(), 60_000))[0]?.state).toBe("claimed");
      expect(await store.removeVerdicts({})).toBe(2);
      expect(await keys({})).toEqual([]);
    });

    it("says each run's status: running until finished, then done or failed", async () => {
      const store = await fresh();
      const [a, b] = [await store.startRun("a", info), await store.startRun("b", info)];
      expect(await store.runStatus(a.id)).toBe("running");
      await store.finishRun(a.id, "done", {});
      await store.finishRun(b.id, "failed", {});
      expect([await store.runStatus(a.id), await store.runStatus(b.id), await store.runStatus("unknown")]).toEqual([
        "done",
        "failed",
        undefined,
      ]);
    });

    // Only a store other processes can open has runs left by other processes.
    if (shared) {
      it("marks interrupted, when next opened, a run whose process on this host was killed, and no live one", async () => {
        const location = await (shared as SharedBackend).location();
        const live = await reopen(location);
        const liveRun = await live.startRun("live", info);
        const child = startRunInChild(location);
        const killedRun = await child.runId;
        await child.result;
        const next = await reopen(location);
        expect(await next.runStatus(killedRun)).toBe("interrupted");
        expect(await next.runStatus(liveRun.id)).toBe("running");
      });

      it("marks interrupted a run of another host once its heartbeat is older than the bound, not while it beats", async () => {
        const location = await (shared as SharedBackend).location();
        const child = startRunInChild(location, { elsewhere: true, stayMs: 1500 });
        const runId = await child.runId;
        await sleep(700);
        expect(await (await reopen(location, { staleRunMs: 500 })).runStatus(runId)).toBe("running");
        await child.result;
        await sleep(700);
        expect(await (await reopen(location, { staleRunMs: 60_000 })).runStatus(runId)).toBe("running");
        expect(await (await reopen(location, { staleRunMs: 500 })).runStatus(runId)).toBe("interrupted");
      });
    }

    it("keeps completions and embeddings by key", async () => {
      const store = await fresh();
      expect(await store.cachedCompletion("c")).toBeUndefined();
      await store.saveCompletion("c", "m", "an answer", tokens);
      expect(await store.cachedCompletion("c")).toBe("an answer");
      const vector = new Float32Array([0.25, -1.5, 3]);
      await store.saveEmbeddings("enc", [{ key: "v", vector }]);
      const found = await store.cachedEmbeddings(["v", "missing"]);
      expect([...found.keys()]).toEqual(["v"]);
      expect([...(found.get("v") as Float32Array)]).toEqual([0.25, -1.5, 3]);
    });
  });
}
