/**
 * The hybrid reward's trade-off (`serve --triage CONF`), on the real-grades CV folds: for each
 * held-out fold, the model trained without it gives P(met) per criterion of every held-out
 * answer; the answers then go, one prompt's answers per request (a GRPO group), through the
 * server's rubric scorer with grade's judge talking to the OpenAI stand-in, which replays the
 * grader's recorded verdicts. Each CONF starts on an empty verdict cache. Reported per CONF:
 * judge calls saved (against judging every criterion), mean |reward error| against the grader's
 * own score, and answer pairs kept in the grader's order (pairs of one prompt whose grader
 * scores differ by >= 0.1; ties count half). The model alone (its expected score, and its
 * thresholded verdicts) is the reference.
 *
 *   node --import tsx bench/triage.bench.ts --fold 0=MODEL_DIR [--fold 1=REWARDS.jsonl] [--graded FILE]
 *     [--folds 5] [--conf 0.8,0.9,0.95,0.99] [--judge-concurrency 64] [--store FILE]
 *
 * A fold is given a model directory (`train --graded` on the other folds; scored here), or the
 * `medrubric reward --out` file of its held-out answers (`id` = the row's line number from 0).
 * Folds as bench/real-grades.ts cuts them (a hash of the prompt id).
 */
import { readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadModelFromFlags } from "../src/cli/rm-options.js";
import { openJudgeScorer } from "../src/cli/serve-judge.js";
import type { RewardRequest, RewardScore } from "../src/core/types.js";
import { loadGradedAnswers } from "../src/healthbench/load.js";
import type { GradedExample } from "../src/healthbench/schema.js";
import { exampleScore } from "../src/healthbench/scoring.js";
import { createMicroBatcher } from "../src/server/micro-batcher.js";
import type { JudgedScore } from "../src/server/rubric-scorer.js";
import { createServerMetrics } from "../src/server/server-metrics.js";
import { judgeServeFlags } from "../test/judge-serve-flags.js";
import { startStandin } from "../test/openai-standin.js";
import { sharedHealthBenchFile } from "../test/shared-data.js";
import { foldOf, gradedRequest, pairsKept, promptGroups, replayGrader } from "./graded-replay.js";
import { numberFlag } from "./markdown-report.js";

const flags = (name: string) => process.argv.flatMap((arg, i) => (process.argv[i - 1] === name ? [arg] : []));
const gradedFile = flags("--graded")[0] ?? sharedHealthBenchFile("graded_hard_responses.jsonl");
const folds = numberFlag("--folds", 5);
const confs = (flags("--conf")[0] ?? "0.8,0.9,0.95,0.99").split(",").map(Number);
const concurrency = numberFlag("--judge-concurrency", 64);
const log = (message: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);

const rows = (await loadGradedAnswers(gradedFile)).rows;
const given = flags("--fold").map((spec) => {
  const [fold, source] = spec.split("=");
  if (fold === undefined || source === undefined) throw new Error(`--fold ${spec}: expected K=MODEL_DIR or K=REWARDS.jsonl`);
  return { fold: Number(fold), source };
});
if (given.length === 0) throw new Error("give at least one --fold K=MODEL_DIR (or K=REWARDS.jsonl)");

/** P(met) per criterion of each held-out row, from the fold's model or its reward file. */
async function pMetOf(source: string, held: { row: GradedExample; line: number }[]): Promise<number[][]> {
  if (statSync(source).isDirectory()) {
    const { model, store } = await loadModelFromFlags({ model: source, store: flags("--store")[0] });
    const out: number[][] = [];
    for (let i = 0; i < held.length; i += 256) {
      const scored = await model.score(held.slice(i, i + 256).map(({ row }) => gradedRequest(row)));
      out.push(...scored.map((s) => s.criteria ?? []));
    }
    store.close();
    return out;
  }
  const byId = new Map<string, number[]>();
  for (const line of readFileSync(source, "utf8").split("\n").filter(Boolean)) {
    const parsed = JSON.parse(line) as { id: string | number; criteria?: number[] };
    byId.set(String(parsed.id), parsed.criteria ?? []);
  }
  return held.map(({ line }) => {
    const p = byId.get(String(line));
    if (!p) throw new Error(`${source}: no row with id ${line}`);
    return p;
  });
}

interface Outcome {
  label: string;
  calls: number;
  criteria: number;
  rewards: number[];
}

async function runConf(conf: number | undefined, held: GradedExample[], pMet: number[][]): Promise<Outcome> {
  const standin = await startStandin({ chat: replayGrader(held) });
  const dir = await mkdtemp(join(tmpdir(), "medrubric-triage-"));
  // The model's part: its P(met), computed once above, served as a scorer.
  const model = createMicroBatcher<RewardRequest & { index?: number }, RewardScore>({
    maxBatch: 256,
    maxWaitMs: 0,
    maxQueue: 1e6,
    run: async (items) => items.map((item) => ({ scores: {}, reward: 0, criteria: pMet[item.index as number] })),
  });
  const judging = await openJudgeScorer(
    judgeServeFlags(standin.url, {
      judgeModel: "recorded-grader",
      judgeTimeoutMs: 60_000,
      judgeRetries: 2,
      judgeConcurrency: concurrency,
      maxQueue: 1e6,
      maxJudgeWork: 1e6,
      onUnjudged: "partial",
      requestTimeoutMs: 3_600_000,
      triage: conf,
      store: join(dir, "store.sqlite"),
    }),
    createServerMetrics(),
    model,
  );
  const groups = promptGroups(held);
  const rewards = new Array<number>(held.length);
  let failures = 0;
  await Promise.all(
    [...groups.values()].map(async (indexes) => {
      const results = (await judging.scorer.submit(
        indexes.map((i) => ({ ...gradedRequest(held[i] as GradedExample), index: i })),
      )) as JudgedScore[];
      results.forEach((r, k) => {
        rewards[indexes[k] as number] = r.reward;
        failures += r.judge_failures;
      });
    }),
  );
  if (failures > 0) throw new Error(`${failures} judge failures: the replay is broken`);
  await judging.close(1000);
  await standin.close();
  await rm(dir, { recursive: true, force: true });
  const criteria = held.reduce((n, row) => n + row.rubrics.length, 0);
  return { label: conf === undefined ? "judge only" : `triage ${conf}`, calls: standin.chatCalls(), criteria, rewards };
}

const table: string[] = [];
for (const { fold, source } of given) {
  const held = rows.flatMap((row, line) => (foldOf(row.prompt_id, folds) === fold ? [{ row, line }] : []));
  log(`fold ${fold}: ${held.length} held-out answers; P(met) from ${source}`);
  const pMet = await pMetOf(source, held);
  const answers = held.map((h) => h.row);
  const truth = answers.map((row) =>
    exampleScore(
      row.rubrics,
      row.verdicts.map((v) => v.criteria_met === true),
    ),
  );
  const criteria = answers.reduce((n, row) => n + row.rubrics.length, 0);
  const expectedScore = answers.map((row, i) => {
    const positive = row.rubrics.reduce((s, item) => s + Math.max(0, item.points), 0);
    return row.rubrics.reduce((s, item, j) => s + item.points * (pMet[i]?.[j] ?? 0), 0) / positive;
  });
  const outcomes: Outcome[] = [{ label: "model alone: expected score, no judge", calls: 0, criteria, rewards: expectedScore }];
  for (const conf of [undefined, 0.5, ...confs]) {
    const started = performance.now();
    const outcome = await runConf(conf, answers, pMet);
    if (conf === 0.5) outcome.label = "model alone: its verdicts at 0.5 (triage 0.5), no judge";
    outcomes.push(outcome);
    log(`fold ${fold} ${outcome.label}: ${outcome.calls} judge calls in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const allCalls = outcomes[1]?.calls ?? criteria;
  for (const o of outcomes) {
    const error = o.rewards.reduce((s, r, i) => s + Math.abs(r - (truth[i] as number)), 0) / o.rewards.length;
    const pairs = pairsKept(answers, truth, o.rewards);
    table.push(
      `| ${fold} | ${o.label} | ${o.calls} | ${(100 * (1 - o.calls / allCalls)).toFixed(1)}% | ${error.toFixed(4)} | ${(pairs.kept / pairs.n).toFixed(3)} (${pairs.n}) |`,
    );
  }
}
console.log(`Graded file ${gradedFile}; folds of ${folds} by prompt; judge concurrency ${concurrency}`);
console.log("");
console.log("| fold | rewards | judge calls | calls saved | mean abs reward error | pairs kept in the grader's order (n) |");
console.log("|---|---|---:|---:|---:|---:|");
for (const row of table) console.log(row);
