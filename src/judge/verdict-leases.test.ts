import { describe, expect, it } from "vitest";
import { ConfigError } from "../core/errors.js";
import type { Judge, JudgeInput, JudgeOutcome } from "../core/types.js";
import { openSqliteStore } from "../store/sqlite-store.js";
import { verdictKeys } from "./verdict-key.js";
import { holdVerdictLeases, type LeasedQuestion } from "./verdict-leases.js";

/** A judge whose answers the test releases one at a time, counting the calls. */
function heldJudge(answer: (input: JudgeInput) => JudgeOutcome | Error) {
  const waiting: (() => void)[] = [];
  let calls = 0;
  const judge: Judge = {
    model: "held",
    id: "held",
    promptVersion: "v",
    async grade(input) {
      calls++;
      await new Promise<void>((resolve) => waiting.push(resolve));
      const outcome = answer(input);
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
  };
  return { judge, calls: () => calls, release: () => waiting.shift()?.(), waiting: () => waiting.length };
}

const met: JudgeOutcome = { ok: true, verdict: { criteria_met: true, explanation: "yes" }, promptTokens: 5, completionTokens: 1 };
const item = { points: 5, criterion: "Advises calling emergency services." };
const answer = {
  promptId: null,
  prompt: [{ role: "user" as const, content: "chest pain" }],
  rubrics: [item],
  completion: [{ role: "assistant" as const, content: "Call 911." }],
};
const now = <T>(attempt: () => Promise<T>) => attempt();

function question(judge: Judge, runId: string): LeasedQuestion {
  const keys = verdictKeys(judge, answer);
  return {
    record: { runId, exampleKey: keys.answerKey(), itemIndex: 0, cacheKey: keys.cacheKey(item) },
    subject: () => keys.subject(item),
    conversation: keys.conversation,
    item,
  };
}

const until = async (done: () => boolean) => {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe("the verdict-lease protocol", () => {
  it("makes one judge call for two owners asking at once; the second waits and gets the cached verdict", async () => {
    const store = openSqliteStore(":memory:");
    const held = heldJudge(() => met);
    const run = await store.startRun("r", { kind: "t", config: {}, dataHash: "", judgeModel: "held", promptVersion: "v" });
    const [a, b] = [
      holdVerdictLeases({ store, judge: held.judge, pollMs: 10 }),
      holdVerdictLeases({ store, judge: held.judge, pollMs: 10 }),
    ];
    const first = a.obtain(question(held.judge, run.id), { slot: now });
    await until(() => held.waiting() === 1);
    const second = b.obtain(question(held.judge, run.id), { slot: now, linkCached: true });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(held.calls()).toBe(1);
    held.release();
    expect(await first).toEqual({ kind: "judged", verdict: met.verdict, tokens: { promptTokens: 5, completionTokens: 1 } });
    expect(await second).toEqual({ kind: "cached", verdict: met.verdict });
    expect(held.calls()).toBe(1);
    const memory = await store.criterionVerdicts([verdictKeys(held.judge, answer).criterionKey(item)], 10);
    expect([...memory.values()][0]?.map((v) => v.criteria_met)).toEqual([true]);
    await Promise.all([a.close(), b.close()]);
  });

  it("records a failure without caching it and frees the lease; a judge that throws rethrows, its failure recorded", async () => {
    const store = openSqliteStore(":memory:");
    const run = await store.startRun("r", { kind: "t", config: {}, dataHash: "", judgeModel: "held", promptVersion: "v" });
    const failing = heldJudge(() => ({ ok: false, failure: "HTTP 503", unanswered: true }));
    const leases = holdVerdictLeases({ store, judge: failing.judge });
    const failed = leases.obtain(question(failing.judge, run.id), { slot: now });
    await until(() => failing.waiting() === 1);
    failing.release();
    expect(await failed).toEqual({ kind: "failed", failure: "HTTP 503", unanswered: true });
    const throwing = heldJudge(() => new ConfigError("401: the API key was refused"));
    const other = holdVerdictLeases({ store, judge: throwing.judge });
    const thrown = other.obtain(question(throwing.judge, run.id), { slot: now });
    await until(() => throwing.waiting() === 1);
    throwing.release();
    await expect(thrown).rejects.toThrow("refused");
    // The same criterion of the same answer in one run: one record, the latest failure.
    expect(await store.runCounts(run.id)).toEqual({ verdicts: 1, failures: 1 });
    // Neither lease is left: a third owner may ask at once.
    const key = question(failing.judge, run.id).record.cacheKey;
    expect(await store.claimVerdicts([key], "third", 1000)).toEqual([{ state: "claimed" }]);
    expect(await leases.obtain(question(failing.judge, run.id), { slot: now, shouldAsk: () => false })).toEqual({ kind: "skipped" });
    await Promise.all([leases.close(), other.close()]);
  });
});
