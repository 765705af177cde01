/**
 * The learning hybrid (`serve --error-budget`) in the real reward app on a socket, its judge the
 * OpenAI stand-in on 127.0.0.1 with scripted verdicts: the memory decides a criterion once enough
 * answers to the prompt agreed on it, audits happen at the audit rate, `GET /v1/hybrid` and
 * `/metrics` say what happened, and when the judge starts disagreeing (injected errors) the audits
 * find it and the threshold tightens. Also the command line's refusals.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GLOVE_CONVERSION_TIMEOUT_MS, GLOVE_TEST_DIR } from "../../test/glove-data-dir.js";
import { trainHashModel } from "../../test/hash-model.js";
import { judgeServeFlags } from "../../test/judge-serve-flags.js";
import { keywordVerdict } from "../../test/keyword-judge.js";
import { sharedFixtureModel, startServeWith } from "../../test/model-server.js";
import { type Standin, startStandin } from "../../test/openai-standin.js";
import { runCli } from "../../test/run-cli.js";
import { tempDir } from "../../test/temp-dir.js";
import { openJudgeScorer } from "../cli/serve-judge.js";
import type { RewardRequest, RewardScore } from "../core/types.js";
import { openSqliteStore } from "../store/sqlite-store.js";
import { HYBRID_DEFAULTS } from "./hybrid-defaults.js";
import type { HybridStatus } from "./hybrid-judge.js";
import { createMicroBatcher, type Scorer } from "./micro-batcher.js";
import { createRewardApp } from "./reward-app.js";
import type { CriterionVerdict } from "./rubric-scorer.js";
import { listen } from "./serve-rewards.js";
import { createServerMetrics } from "./server-metrics.js";

const closers: (() => unknown)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

const AUDIT_RATE = 0.25;

/** A SQLite store beside the GloVe vectors the tests share (converted once), removed with its WAL files at the end. */
function testStore(name: string): string {
  mkdirSync(GLOVE_TEST_DIR, { recursive: true });
  const store = join(GLOVE_TEST_DIR, name);
  closers.push(() => {
    for (const end of ["", "-wal", "-shm"]) rmSync(`${store}${end}`, { force: true });
  });
  return store;
}

/**
 * A server with the hybrid (memory only, or with `model`), its settings over the tests' defaults;
 * its store beside the GloVe vectors the tests share (converted once).
 */
async function hybridServer(standin: Standin, settings: Partial<typeof HYBRID_DEFAULTS> = {}, model?: Scorer<RewardRequest, RewardScore>) {
  const store = testStore(`hybrid-${process.pid}-${closers.length}.sqlite`);
  const metrics = createServerMetrics();
  const judging = await openJudgeScorer(
    judgeServeFlags(standin.url, {
      judgeConcurrency: 8,
      store,
      errorBudget: 0.02,
      auditRate: AUDIT_RATE,
      refitEvery: 10,
      memoryMinVerdicts: 2,
      hybridSettings: { minObservations: 30, window: 20, ...settings },
    }),
    metrics,
    model,
  );
  const app = createRewardApp({
    scorer: judging.scorer,
    info: { dimensions: [], standards_hash: null, encoder: null, scenarios: [], judge: judging.info },
    metrics,
    maxBodyBytes: 1 << 20,
    rubricsRequired: !model,
    hybridStatus: judging.hybridStatus,
  });
  const server = await listen(app, "127.0.0.1", 0);
  closers.push(async () => {
    await server.close();
    await judging.close(1000);
  });
  const score = async (responses: string[]) => {
    const response = await fetch(`${server.url}/v1/score`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt, responses, rubrics }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { results: { verdicts: CriterionVerdict[]; reward: number; hybrid_version: number }[] }).results;
  };
  const status = async () => (await (await fetch(`${server.url}/v1/hybrid`)).json()) as HybridStatus;
  const metricsText = async () => (await fetch(`${server.url}/metrics`)).text();
  return { score, status, metricsText, store };
}

const prompt = [{ role: "user" as const, content: "What should I pack for a picnic?" }];
const WORDS = ["apples", "pears", "plums", "bread", "cheese", "knives", "glass", "wasps"];
const rubrics = WORDS.map((word, i) => ({ criterion: `Mentions ${word}.`, points: i < 6 ? 2 : -2 }));
/** Every answer mentions the same four things (so every criterion gets the same verdict on every answer) in its own words. */
const answer = (n: number) => `Pack apples, pears, cheese and glass. Note ${n}: ${"enjoy the day ".repeat(1 + (n % 5))}`;
const truth = (criterion: string, text: string) => text.includes(/^Mentions (\w+)/.exec(criterion)?.[1] as string);

describe("the learning hybrid", () => {
  it(
    "decides a criterion from the memory once answers agreed on it, audits at the audit rate, and reports it in /v1/hybrid and /metrics",
    async () => {
      const standin = await startStandin({ chat: keywordVerdict });
      closers.push(() => standin.close());
      const { score, status, metricsText, store } = await hybridServer(standin);
      const sources: string[][] = [];
      const pMets: number[] = [];
      for (let r = 0; r < 40; r++) {
        const texts = [answer(2 * r), answer(2 * r + 1)];
        const results = await score(texts);
        results.forEach((result, k) => {
          sources.push(result.verdicts.map((v) => v.source ?? "failed"));
          result.verdicts.forEach((v, i) => {
            if (v.p_met !== null) pMets.push(v.p_met);
            const right = truth(rubrics[i]?.criterion as string, texts[k] as string);
            // Every verdict the answer got is right, decided or judged; an audit shows both.
            expect(v.criteria_met).toBe(right);
            if (v.audit) expect(v.audit).toEqual({ hybrid: right, judge: right });
          });
        });
      }
      expect(sources[0]?.every((s) => s === "judge")).toBe(true);
      // However many answers agreed, no P(met) claims less doubt than the judge's own noise (the floor), and the
      // surest criteria sit at it.
      const floor = HYBRID_DEFAULTS.doubtFloor;
      expect(floor).toBeGreaterThan(0);
      expect(pMets.every((p) => p >= floor && p <= 1 - floor)).toBe(true);
      expect(pMets.filter((p) => p === 1 - floor || p === floor).length).toBeGreaterThan(0);
      const late = sources.slice(-20).flat();
      expect(late.filter((s) => s === "memory").length / late.length).toBeGreaterThan(0.5);

      const s = await status();
      expect(s.mode).toBe("memory");
      expect(s.criteria).toBe(80 * WORDS.length);
      expect(s.judge_calls).toBe(standin.chatCalls());
      expect(s.decided_by_model).toBe(sources.flat().filter((x) => x === "memory").length);
      expect(s.threshold).toBeGreaterThan(0);
      expect(s.version).toBeGreaterThan(0);
      expect(s.error_interval[0]).toBeLessThanOrEqual(s.error_estimate);
      expect(s.error_interval[1]).toBeGreaterThanOrEqual(s.error_estimate);
      expect(s.audit_disagreements).toBe(0);
      // Audits are of whole answers: among the answers with a decided criterion, the rate, within five standard deviations.
      const sd = Math.sqrt((AUDIT_RATE * (1 - AUDIT_RATE)) / s.decided_answers);
      expect(Math.abs(s.audited_answers / s.decided_answers - AUDIT_RATE)).toBeLessThan(5 * sd);
      expect(s.audited).toBeGreaterThan(0);
      const text = await metricsText();
      expect(text).toMatch(new RegExp(`medrubric_hybrid_decided ${s.decided_by_model}\\b`));
      expect(text).toMatch(/medrubric_hybrid_error_estimate \d/);
      expect(text).toMatch(/medrubric_hybrid_version [1-9]/);
      // The judge's verdicts keep what training needs (train --graded-from-store): every answer the judge saw, its
      // prompt, and the criteria it judged, fewer than the rubric's where the memory decided the rest.
      const kept = openSqliteStore(store);
      const rows = await kept.gradedRows({ judgeModel: "grader" });
      await kept.close();
      expect(rows).toHaveLength(sources.filter((answer) => answer.includes("judge")).length);
      expect(rows.every((row) => JSON.stringify(row.prompt) === JSON.stringify(prompt))).toBe(true);
      expect(rows.reduce((n, row) => n + row.verdicts.length, 0)).toBe(s.judge_calls);
      const partlyDecided = sources.filter((answer) => answer.includes("judge") && answer.includes("memory")).length;
      expect(partlyDecided).toBeGreaterThan(0);
      expect(rows.filter((row) => row.verdicts.length < WORDS.length)).toHaveLength(partlyDecided);
    },
    GLOVE_CONVERSION_TIMEOUT_MS,
  );

  it(
    "stops deciding what it learned and raises its error estimate when the judge starts disagreeing with it (injected errors)",
    async () => {
      const standin = await startStandin({ chat: keywordVerdict });
      closers.push(() => standin.close());
      const { score, status } = await hybridServer(standin);
      // Of the criteria the injection changes (those every answer meets), the shares decided without the judge
      // and decided "met" (wrong once the judge finds nothing met).
      const changed = rubrics.flatMap((item, i) => (truth(item.criterion, answer(0)) ? [i] : []));
      const decidedShares = async (from: number, to: number) => {
        let decided = 0;
        let met = 0;
        for (let r = from; r < to; r++)
          for (const result of await score([answer(2 * r), answer(2 * r + 1)]))
            for (const i of changed) {
              const v = result.verdicts[i];
              if (v?.source !== "memory") continue;
              decided++;
              if (v.criteria_met) met++;
            }
        const n = (to - from) * 2 * changed.length;
        return { decided: decided / n, met: met / n };
      };
      const sharesBefore = await decidedShares(0, 30);
      const before = await status();
      expect(before.threshold).toBeGreaterThan(0);
      // Injected errors: from now on the judge finds no criterion met. (Flipping every verdict would leave
      // the reward of an answer with every criterion decided right: its errors cancel exactly.)
      standin.configure({ chat: () => JSON.stringify({ explanation: "none met", criteria_met: false }) });
      // Learning the change takes refits, which run in a thread and can lag the requests on a loaded machine:
      // the new verdicts come in for 15 requests at least, and until two refits have landed on them.
      let r = 30;
      while (r < 45 || ((await status()).version < before.version + 2 && r < 200)) {
        await score([answer(2 * r), answer(2 * r + 1)]);
        r++;
      }
      const sharesAfter = await decidedShares(r, r + 30);
      const after = await status();
      expect(after.audit_disagreements).toBeGreaterThan(0);
      expect(after.error_estimate).toBeGreaterThan(before.error_estimate);
      // It stops deciding what it learned before: far fewer of those criteria are decided "met" (now wrong)
      // than were decided before (it may decide them "not met" again once the memory holds the new verdicts).
      expect(sharesBefore.decided).toBeGreaterThan(0.1);
      expect(sharesAfter.met).toBeLessThan(0.5 * sharesBefore.decided);
    },
    GLOVE_CONVERSION_TIMEOUT_MS,
  );
});

describe("the learning hybrid with a model", () => {
  it(
    "refits the criterion heads from the judge's verdicts in its thread, says the version in every result, and counts soft decisions at P(met) x points",
    async () => {
      const standin = await startStandin({ chat: keywordVerdict });
      closers.push(() => standin.close());
      const { model } = await trainHashModel({ dim: 16, epochs: 1 });
      const scorer = createMicroBatcher<RewardRequest, RewardScore>({
        maxBatch: 64,
        maxWaitMs: 0,
        maxQueue: 1e4,
        run: (items) => model.score(items),
      });
      // Every decided criterion soft (hardDoubt 0), any criterion a candidate (maxDoubt 0.5).
      const { score, status, metricsText } = await hybridServer(standin, { hardDoubt: 0, maxDoubt: 0.5 }, scorer);
      const versions: number[] = [];
      let soft = 0;
      for (let r = 0; r < 40; r++) {
        for (const result of await score([answer(2 * r), answer(2 * r + 1)])) {
          versions.push(result.hybrid_version);
          // The reward counts each soft criterion's credit (its P(met)) x its points, every other one's verdict.
          const achieved = result.verdicts.reduce(
            (t, v, i) => t + (rubrics[i]?.points as number) * (v.credit ?? (v.criteria_met ? 1 : 0)),
            0,
          );
          expect(result.reward).toBeCloseTo(achieved / 12, 10);
          for (const v of result.verdicts)
            if (v.credit !== undefined) {
              soft++;
              expect(v.credit).toBe(v.p_met);
              expect(v.source === "memory" || v.source === "model").toBe(true);
            }
        }
      }
      expect(soft).toBeGreaterThan(0);
      const s = await status();
      expect(s.mode).toBe("memory+model");
      // Every criterion the judge answered has its head refitted, and refits went on while serving.
      expect(s.refitted_criteria).toBe(WORDS.length);
      expect(s.version).toBeGreaterThan(1);
      expect(versions[0]).toBe(0);
      expect(Math.max(...versions)).toBeGreaterThan(0);
      expect(await metricsText()).toMatch(new RegExp(`medrubric_hybrid_refitted_criteria ${WORDS.length}\\b`));
    },
    GLOVE_CONVERSION_TIMEOUT_MS,
  );
});

describe("medrubric serve --error-budget", () => {
  it.each([
    [["--model", "/nowhere", "--error-budget", "0.01"], "--error-budget 0.01: needs --judge-url"],
    [["--judge-url", "http://127.0.0.1:9/v1", "--judge-model", "j", "--error-budget", "0.01", "--triage", "0.9"], "two hybrids"],
    [["--judge-url", "http://127.0.0.1:9/v1", "--judge-model", "j", "--error-budget", "0"], "--error-budget"],
    [["--judge-url", "http://127.0.0.1:9/v1", "--judge-model", "j", "--error-budget", "0.01", "--audit-rate", "2"], "--audit-rate"],
    [
      ["--judge-url", "http://127.0.0.1:9/v1", "--judge-model", "j", "--error-budget", "0.01", "--memory-vectors", "10"],
      "--memory-vectors",
    ],
    [
      ["--judge-url", "http://127.0.0.1:9/v1", "--judge-model", "j", "--error-budget", "0.01", "--refit-max-verdicts", "100"],
      "--refit-max-verdicts",
    ],
  ])("refuses %j with a usage error", async (flags, message) => {
    const { code, stderr } = await runCli(["serve", "--port", "0", ...flags]);
    expect(code).toBe(64);
    expect(stderr).toContain(message);
  });

  it(
    "says in one line that it runs on memory alone without --model",
    async () => {
      const standin = await startStandin({ chat: keywordVerdict });
      closers.push(() => standin.close());
      const store = testStore(`hybrid-cli-${process.pid}.sqlite`);
      const server = await startServeWith([
        "--judge-url",
        standin.url,
        "--judge-model",
        "grader",
        "--store",
        store,
        "--error-budget",
        "0.02",
      ]);
      const hybrid = (await (await fetch(`${server.url}/v1/hybrid`)).json()) as HybridStatus;
      expect(hybrid).toMatchObject({ mode: "memory", criteria: 0, error_budget: 0.02, error_interval: [0, 0] });
      server.child.kill("SIGTERM");
      const { code, stderr } = await server.result;
      expect(code).toBe(0);
      expect(stderr).toContain("--error-budget without --model: the hybrid decides from the store's verdicts alone (memory only)");
    },
    GLOVE_CONVERSION_TIMEOUT_MS,
  );

  it(
    "uses only its memory with a model never calibrated on verdicts (the demo's kind), saying so in one line",
    async () => {
      const standin = await startStandin({ chat: keywordVerdict });
      closers.push(() => standin.close());
      const fixture = await sharedFixtureModel(await tempDir());
      const store = testStore(`hybrid-uncalibrated-${process.pid}.sqlite`);
      const flags = ["--model", fixture.model, "--judge-url", standin.url, "--judge-model", "grader", "--store", store];
      const server = await startServeWith([...flags, "--error-budget", "0.02", "--audit-rate", "0"]);
      for (let r = 0; r < 4; r++) {
        const response = await fetch(`${server.url}/v1/score`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ prompt, responses: [answer(2 * r), answer(2 * r + 1)], rubrics }),
        });
        expect(response.status).toBe(200);
      }
      const hybrid = (await (await fetch(`${server.url}/v1/hybrid`)).json()) as HybridStatus;
      expect(hybrid).toMatchObject({ mode: "memory", criteria: 8 * WORDS.length, decided_by: { model: 0 } });
      server.child.kill("SIGTERM");
      const { code, stderr } = await server.result;
      expect(code).toBe(0);
      const said = stderr.split("\n").filter((line) => line.includes("memory only"));
      expect(said).toEqual([
        "medrubric serve: --error-budget with a model trained without a grader's verdicts (like the demo's): its P(met) is no probability, so the hybrid decides from the store's verdicts alone (memory only)",
      ]);
    },
    GLOVE_CONVERSION_TIMEOUT_MS,
  );
});
