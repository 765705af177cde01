/**
 * The learning hybrid (`serve --error-budget E`) on an RL-like stream: graded runs replayed
 * through the real reward server (HTTP on 127.0.0.1) with grade's judge talking to the OpenAI
 * stand-in, which answers with the grader's recorded verdicts. Each prompt's answers come in a
 * seeded random order, two per /v1/score request; prompts come in passes like GRPO steps (pass p
 * sends every prompt's answers 2p and 2p+1 at once; the next pass starts when it is answered).
 * Every mode starts on an empty store.
 *
 * Modes: `static` (serve --triage CONF with the model), `memory` (--error-budget, no model),
 * `hybrid` (--error-budget with the model). Reported per mode: judge calls saved over the stream,
 * the true mean |reward error| against the grader's exact scores, pairs kept in the grader's
 * order, the server's own estimate and interval against the truth, the saving in the first and
 * second half of the stream and by answers per prompt, and the reliability of the served P(met).
 *
 *   node --import tsx bench/hybrid.bench.ts --folds-run 3,4 [--model DIR] [--modes static,memory,hybrid]
 *     [--budget 0.01] [--audit-rate 0.1] [--triage 0.9] [--seed 1] [--graded FILE] [--folds 5]
 *     [--sharpness X --margin X --hard-doubt X --max-doubt X --min-verdicts N --head-ridge X --horizon N
 *      --doubt-floor X --caution X --ratio-se-scale X] [--json OUT.json] [--chart OUT.svg]
 *     [--work-dir DIR] [--keep-store]
 *   (--json writes what `medrubric report --input OUT.json` shows: the saving per pass as a chart, and the table)
 *   node --import tsx bench/hybrid.bench.ts --tune --folds-run 0,1,2 [--model DIR_TRAINED_ON_3_4]
 *     [--grid-sharpness 0,4,12] [--grid-margin 0.7,1] [--grid-hard-doubt X,..] [--grid-max-doubt X,..]
 *     [--grid-audit-rate 0.1]   (the settings' cross-validation)
 *
 * The model for `static` and `hybrid` must be trained without the prompts of --folds-run.
 */
import { writeFileSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import pLimit from "p-limit";
import type { z } from "zod";
import { loadModelFromFlags } from "../src/cli/rm-options.js";
import { openJudgeScorer } from "../src/cli/serve-judge.js";
import { hashJson } from "../src/core/hash.js";
import { seededShuffle } from "../src/core/random.js";
import type { RewardRequest, RewardScore } from "../src/core/types.js";
import { loadGradedAnswers } from "../src/healthbench/load.js";
import type { GradedExample } from "../src/healthbench/schema.js";
import { rubricScore } from "../src/healthbench/scoring.js";
import { renderSvg } from "../src/report/charts.js";
import { savedPerPassChart } from "../src/report/hybrid-replay-section.js";
import { hybridReplaySchema } from "../src/report/result-schemas.js";
import { resultText } from "../src/report/write-report.js";
import type { HybridStatus } from "../src/server/hybrid-judge.js";
import { createMicroBatcher, type Scorer } from "../src/server/micro-batcher.js";
import { createRewardApp } from "../src/server/reward-app.js";
import type { JudgedScore } from "../src/server/rubric-scorer.js";
import { listen } from "../src/server/serve-rewards.js";
import { createServerMetrics } from "../src/server/server-metrics.js";
import { judgeServeFlags } from "../test/judge-serve-flags.js";
import { startStandin } from "../test/openai-standin.js";
import { sharedHealthBenchFile } from "../test/shared-data.js";
import { foldOf, gradedRequest, pairsKept, replayGrader } from "./graded-replay.js";

const flag = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const has = (name: string) => process.argv.includes(name);
const num = (name: string, fallback: number) => (has(name) ? Number(flag(name)) : fallback);
const gradedFile = has("--graded") ? (flag("--graded") as string) : sharedHealthBenchFile("graded_hard_responses.jsonl");
const folds = num("--folds", 5);
const runFolds = (flag("--folds-run") ?? "3,4").split(",").map(Number);
const budget = num("--budget", 0.01);
const auditRate = num("--audit-rate", 0.1);
const seed = num("--seed", 1);
const log = (message: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);

/**
 * The held rows, each rubric (with its verdicts) in one order: a prompt's answers list the same
 * criteria in different orders in the shared file, and a request carries one rubric for its answers.
 */
const rows = (await loadGradedAnswers(gradedFile)).rows
  .filter((row) => runFolds.includes(foldOf(row.prompt_id, folds)))
  .map((row) => {
    const order = row.rubrics.map((_, i) => i).sort((a, b) => criterionOrder(row.rubrics[a], row.rubrics[b]));
    return { ...row, rubrics: order.map((i) => row.rubrics[i]), verdicts: order.map((i) => row.verdicts[i]) } as GradedExample;
  });
const truth = rows.map(
  (row) =>
    rubricScore(
      row.rubrics,
      row.verdicts.map((v) => v.criteria_met === true),
    ) ?? 0,
);
function criterionOrder(a: GradedExample["rubrics"][number] | undefined, b: GradedExample["rubrics"][number] | undefined): number {
  const [x, y] = [`${a?.points} ${a?.criterion}`, `${b?.points} ${b?.criterion}`];
  return x < y ? -1 : x > y ? 1 : 0;
}
const promptKey = (request: Pick<RewardRequest, "prompt" | "response">) => hashJson([request.prompt, request.response]);

/** The stream: pass p sends answers 2p and 2p+1 of every prompt that has them, each prompt's answers in a seeded order. */
function stream(): number[][][] {
  const byPrompt = new Map<string, number[]>();
  // A group is a prompt and its rubric (two prompts of the shared file have answers graded on different rubrics).
  const groupOf = (row: GradedExample) => hashJson([row.prompt_id, row.rubrics.map((item) => [item.points, item.criterion])]);
  rows.forEach((row, i) => {
    byPrompt.set(groupOf(row), [...(byPrompt.get(groupOf(row)) ?? []), i]);
  });
  const orders = [...byPrompt.values()].map((indexes, k) => seededShuffle(indexes, seed * 100_003 + k));
  const passes: number[][][] = [];
  for (let p = 0; orders.some((o) => o.length > 2 * p); p++)
    passes.push(orders.flatMap((o) => (o.length > 2 * p ? [o.slice(2 * p, 2 * p + 2)] : [])));
  return passes;
}

/** The model's P(met) per criterion of every row, served by a micro-batcher as the scoring thread would. */
async function modelScorer(dir: string): Promise<Scorer<RewardRequest, RewardScore>> {
  const { model, store } = await loadModelFromFlags({ model: dir, store: flag("--store") });
  const byAnswer = new Map<string, number[]>();
  for (let i = 0; i < rows.length; i += 256) {
    const batch = rows.slice(i, i + 256).map(gradedRequest);
    const scored = await model.score(batch);
    batch.forEach((request, k) => {
      byAnswer.set(promptKey(request), scored[k]?.criteria ?? []);
    });
  }
  store.close();
  return createMicroBatcher<RewardRequest, RewardScore>({
    maxBatch: 256,
    maxWaitMs: 0,
    maxQueue: 1e6,
    run: async (items) => items.map((item) => ({ scores: {}, reward: 0, criteria: byAnswer.get(promptKey(item)) ?? [] })),
  });
}

/** The hybrid's settings (HYBRID_DEFAULTS) a run may set, by flag (--NAME, and --grid-NAME for --tune). */
const SETTING_FLAGS: Record<string, string> = {
  sharpness: "sharpness",
  margin: "margin",
  hardDoubt: "hard-doubt",
  maxDoubt: "max-doubt",
  headRidge: "head-ridge",
  horizon: "horizon",
  doubtFloor: "doubt-floor",
  caution: "caution",
  ratioSeScale: "ratio-se-scale",
};

let runs = 0;

interface Served {
  index: number;
  pass: number;
  result: JudgedScore;
}

async function runMode(
  mode: string,
  model: Scorer<RewardRequest, RewardScore> | undefined,
  settings: Record<string, number>,
  audits = auditRate,
) {
  const standin = await startStandin({ chat: replayGrader(rows) });
  // The store's folder keeps GloVe's converted vectors (the hybrid compares answers with them) across runs.
  const dir = flag("--work-dir") ?? join(tmpdir(), "medrubric-hybrid-bench");
  await mkdir(dir, { recursive: true });
  const storeFile = join(dir, `store-${process.pid}-${++runs}.sqlite`);
  const metrics = createServerMetrics();
  const judging = await openJudgeScorer(
    judgeServeFlags(standin.url, {
      judgeModel: "recorded-grader",
      judgeTimeoutMs: 60_000,
      judgeRetries: 2,
      judgeConcurrency: 64,
      maxQueue: 1e6,
      requestTimeoutMs: 3_600_000,
      maxJudgeWork: 1_000_000,
      store: storeFile,
      ...(mode === "static"
        ? { triage: num("--triage", 0.9) }
        : {
            errorBudget: budget,
            auditRate: audits,
            memoryMinVerdicts: num("--min-verdicts", 2),
            // The audits' draw seeded too, so two settings differ by the settings alone.
            hybridSettings: { ...settings, seed },
          }),
    }),
    metrics,
    model,
  );
  const app = createRewardApp({
    scorer: judging.scorer,
    info: { dimensions: [], standards_hash: null, encoder: null, scenarios: [] },
    metrics,
    maxBodyBytes: 1 << 26,
    maxAnswerChars: 1_000_000,
    rubricsRequired: !model,
    hybridStatus: judging.hybridStatus,
  });
  const server = await listen(app, "127.0.0.1", 0);
  const served: Served[] = [];
  const limit = pLimit(32);
  const passes = stream();
  for (const [pass, requests] of passes.entries()) {
    await Promise.all(
      requests.map((indexes) =>
        limit(async () => {
          const first = gradedRequest(rows[indexes[0] as number] as GradedExample);
          const body = {
            prompt: first.prompt,
            rubrics: first.rubrics,
            responses: indexes.map((i) => gradedRequest(rows[i] as GradedExample).response),
          };
          const response = await fetch(`${server.url}/v1/score`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body),
          });
          if (!response.ok) throw new Error(`/v1/score: ${response.status} ${await response.text()}`);
          const { results } = (await response.json()) as { results: JudgedScore[] };
          results.forEach((result, k) => {
            served.push({ index: indexes[k] as number, pass, result });
          });
        }),
      ),
    );
    if (pass % 2 === 1) log(`${mode}: pass ${pass + 1}/${passes.length}, ${served.length} answers`);
  }
  const status = judging.hybridStatus ? ((await (await fetch(`${server.url}/v1/hybrid`)).json()) as HybridStatus) : undefined;
  await server.close();
  await judging.close(1000);
  const calls = standin.chatCalls();
  await standin.close();
  // --keep-store: the store the stream filled, for `train --graded-from-store` (what the run learned, kept as a model).
  if (has("--keep-store")) log(`${mode}: store kept at ${storeFile}`);
  else await Promise.all(["", "-wal", "-shm"].map((end) => rm(`${storeFile}${end}`, { force: true })));
  return { mode, served, status, calls };
}

type Run = Awaited<ReturnType<typeof runMode>>;

const judgedShare = (list: readonly Served[]) => {
  const cells = list.flatMap((s) => s.result.verdicts);
  return cells.length === 0 ? 0 : 1 - cells.filter((c) => c.source === "judge").length / cells.length;
};

/** The figures of one run. */
function measure(run: Run) {
  const served = [...run.served].sort((a, b) => a.pass - b.pass);
  const criteria = served.reduce((n, s) => n + s.result.verdicts.length, 0);
  const errors = served.map((s) => Math.abs(s.result.reward - (truth[s.index] as number)));
  const trueError = errors.reduce((a, b) => a + b, 0) / served.length;
  const rewards = new Array<number>(rows.length);
  for (const s of served) rewards[s.index] = s.result.reward;
  const pairs = pairsKept(rows, truth, rewards);
  const half = Math.floor(served.length / 2);
  const sizes = new Map<string, number>();
  for (const row of rows) sizes.set(row.prompt_id, (sizes.get(row.prompt_id) ?? 0) + 1);
  const bins: [string, (n: number) => boolean][] = [
    ["1-4", (n) => n <= 4],
    ["5-8", (n) => n >= 5 && n <= 8],
    ["9-12", (n) => n >= 9 && n <= 12],
    ["13-22", (n) => n >= 13],
  ];
  const byGroup = bins.map(([label, test]) => {
    const list = served.filter((s) => test(sizes.get((rows[s.index] as GradedExample).prompt_id) as number));
    return { label, answers: list.length, saved: judgedShare(list) };
  });
  const perPass = [...new Set(served.map((s) => s.pass))].map((pass) => judgedShare(served.filter((s) => s.pass === pass)));
  // Reliability of the P(met) served, against the grader's verdicts (all criteria with a P).
  const cells = served.flatMap((s) =>
    s.result.verdicts.flatMap((v, i) =>
      v.p_met === null
        ? []
        : [
            {
              p: v.p_met,
              y: (rows[s.index] as GradedExample).verdicts[i]?.criteria_met === true,
              decided: v.source === "memory" || v.source === "model",
            },
          ],
    ),
  );
  const reliability = [0, 0.05, 0.2, 0.5, 0.8, 0.95].map((low, k, edges) => {
    const high = edges[k + 1] ?? 1.0001;
    const inBin = cells.filter((c) => c.p >= low && c.p < high);
    return {
      bin: `${low}-${Math.min(1, high)}`,
      n: inBin.length,
      mean_p: mean(inBin.map((c) => c.p)),
      met: mean(inBin.map((c) => (c.y ? 1 : 0))),
    };
  });
  const decided = cells.filter((c) => c.decided);
  // The decided criteria's cost as the server predicted it (sum of q * cost) and as it was (sum of wrong * cost), per answer.
  const costs = served.flatMap((s) => {
    const row = rows[s.index] as GradedExample;
    const positive = row.rubrics.reduce((t, item) => t + Math.max(0, item.points), 0);
    return s.result.verdicts.flatMap((v, i) => {
      if (v.source !== "memory" && v.source !== "model") return [];
      const cost = Math.abs(row.rubrics[i]?.points ?? 0) / positive;
      const p = v.p_met as number;
      // The share of the points the reward counted: the verdict's, or P(met) for a soft decision.
      const credit = v.credit ?? (v.criteria_met ? 1 : 0);
      const met = row.verdicts[i]?.criteria_met === true ? 1 : 0;
      return [{ predicted: (p * (1 - credit) + (1 - p) * credit) * cost, actual: Math.abs(met - credit) * cost }];
    });
  });
  const decidedRight = mean(decided.map((c) => (c.p >= 0.5 === c.y ? 1 : 0)));
  // The replay's own check: a judge verdict is the file's verdict of that answer and criterion.
  const judged = served.flatMap((s) =>
    s.result.verdicts.flatMap((v, i) =>
      v.source === "judge" ? [v.criteria_met === ((rows[s.index] as GradedExample).verdicts[i]?.criteria_met === true)] : [],
    ),
  );
  return {
    mode: run.mode,
    replayMismatches: `${judged.filter((ok) => !ok).length} of ${judged.length}`,
    answers: served.length,
    criteria,
    judgeCriteria: served.reduce((n, s) => n + s.result.verdicts.filter((v) => v.source === "judge").length, 0),
    standinCalls: run.calls,
    saved: judgedShare(served),
    savedFirstHalf: judgedShare(served.slice(0, half)),
    savedSecondHalf: judgedShare(served.slice(half)),
    trueError,
    pairs: pairs.kept / pairs.n,
    pairsN: pairs.n,
    estimate: run.status?.error_estimate ?? null,
    interval: run.status?.error_interval ?? null,
    status: run.status,
    byGroup,
    perPass,
    reliability,
    decidedRight,
    decidedPredicted: costs.reduce((t, c) => t + c.predicted, 0) / served.length,
    decidedActual: costs.reduce((t, c) => t + c.actual, 0) / served.length,
    decidedMeanConfidence: mean(decided.map((c) => Math.max(c.p, 1 - c.p))),
  };
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

const f = (x: number | null | undefined, digits = 4) => (x === null || x === undefined || Number.isNaN(x) ? "-" : x.toFixed(digits));
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

async function main() {
  log(`${rows.length} answers to ${new Set(rows.map((r) => r.prompt_id)).size} prompts in folds ${runFolds.join(",")} of ${folds}`);
  if (has("--tune")) return tune();
  const modes = (flag("--modes") ?? "static,memory,hybrid").split(",");
  const modelDir = flag("--model");
  if (!modelDir && modes.some((m) => m !== "memory")) throw new Error("--model DIR is needed for the static and hybrid modes");
  const model = modelDir ? await modelScorer(modelDir) : undefined;
  const settings = Object.fromEntries(
    Object.entries(SETTING_FLAGS)
      .filter(([, name]) => has(`--${name}`))
      .map(([k, name]) => [k, Number(flag(`--${name}`))]),
  );
  const results = [];
  for (const mode of modes) {
    const started = performance.now();
    const run = await runMode(mode, mode === "memory" ? undefined : model, settings);
    results.push(measure(run));
    log(`${mode}: done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  print(results);
  const file = hybridReplaySchema.parse(replayFile(results));
  if (has("--json")) writeFileSync(flag("--json") as string, resultText({ kind: "hybrid-replay", file }));
  // The report's own chart (medrubric report --input OUT.json draws it too), as a file for the docs.
  if (has("--chart")) writeFileSync(flag("--chart") as string, await renderSvg(savedPerPassChart([{ name: "replay", file }])));
}

/** The results as `medrubric report --input` reads them (the report's schema, result-schemas.ts). */
function replayFile(results: ReturnType<typeof measure>[]): z.input<typeof hybridReplaySchema> {
  return {
    replay: {
      graded_file: basename(gradedFile),
      folds,
      folds_run: runFolds,
      prompts: new Set(rows.map((r) => r.prompt_id)).size,
      answers: rows.length,
      error_budget: budget,
      audit_rate: auditRate,
      seed,
    },
    modes: results.map((r) => ({
      mode: r.mode,
      answers: r.answers,
      criteria: r.criteria,
      judge_criteria: r.judgeCriteria,
      saved: r.saved,
      saved_first_half: r.savedFirstHalf,
      saved_second_half: r.savedSecondHalf,
      saved_per_pass: r.perPass,
      saved_by_answers: r.byGroup.map((g) => ({ answers_per_prompt: g.label, answers: g.answers, saved: g.saved })),
      true_error: r.trueError,
      estimate: r.estimate,
      interval: r.interval,
      pairs_kept: r.pairs,
      pairs: r.pairsN,
      decided_right: r.decidedRight,
    })),
  };
}

function print(results: ReturnType<typeof measure>[]) {
  console.log(
    `Graded file ${gradedFile}; folds ${runFolds.join(",")} of ${folds} by prompt; ${rows.length} answers; budget ${budget}; audit rate ${auditRate}; seed ${seed}`,
  );
  console.log("");
  console.log(
    "| mode | judge calls (stand-in) | calls saved | first half / second half | true mean abs reward error | server's estimate [95% interval] | pairs kept (n) | decided right |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of results)
    console.log(
      `| ${r.mode} | ${r.judgeCriteria} (${r.standinCalls}) of ${r.criteria} | ${pct(r.saved)} | ${pct(r.savedFirstHalf)} / ${pct(r.savedSecondHalf)} | ${f(r.trueError)} | ${f(r.estimate)} [${f(r.interval?.[0])}, ${f(r.interval?.[1])}] | ${f(r.pairs, 3)} (${r.pairsN}) | ${f(r.decidedRight, 3)} |`,
    );
  console.log("");
  console.log(`| mode | ${results[0]?.byGroup.map((g) => `saved, prompts with ${g.label} answers (answers)`).join(" | ")} |`);
  console.log(`|---|${results[0]?.byGroup.map(() => "---:").join("|")}|`);
  for (const r of results) console.log(`| ${r.mode} | ${r.byGroup.map((g) => `${pct(g.saved)} (${g.answers})`).join(" | ")} |`);
  console.log("");
  for (const r of results) console.log(`- ${r.mode}: judge verdicts differing from the file's (the replay's check): ${r.replayMismatches}`);
  for (const r of results)
    console.log(
      `- ${r.mode}: decided criteria: mean confidence ${f(r.decidedMeanConfidence, 3)}, right ${f(r.decidedRight, 3)}; their cost per answer, predicted ${f(r.decidedPredicted)}, actual ${f(r.decidedActual)}`,
    );
  console.log("");
  console.log("Reliability of the served P(met) (criteria with a P; mean P / share met / n):");
  for (const r of results)
    console.log(`- ${r.mode}: ${r.reliability.map((b) => `${b.bin}: ${f(b.mean_p, 3)}/${f(b.met, 3)}/${b.n}`).join("; ")}`);
  console.log("");
  for (const r of results) if (r.status) console.log(`${r.mode} /v1/hybrid: ${JSON.stringify(r.status)}`);
  console.log(`Saved per pass: ${results.map((r) => `${r.mode} ${r.perPass.map((x) => pct(x)).join(" ")}`).join("; ")}`);
}

/**
 * Cross-validation of the settings on the tuning folds, every setting on the same stream: memory
 * alone, or with `--model DIR` (a model trained without the tuning folds) the learning hybrid.
 */
async function tune() {
  const modelDir = flag("--model");
  const model = modelDir ? await modelScorer(modelDir) : undefined;
  const list = (name: string, fallback: string) => (flag(name) ?? fallback).split(",").map(Number);
  const defaults: Record<string, string> = { sharpness: "0,4,12", margin: "0.7,1" };
  let grid: Record<string, number>[] = [{}];
  for (const [key, name] of Object.entries(SETTING_FLAGS)) {
    if (!has(`--grid-${name}`) && !defaults[key]) continue;
    grid = grid.flatMap((g) => list(`--grid-${name}`, defaults[key] as string).map((x) => ({ ...g, [key]: x })));
  }
  grid = grid.flatMap((g) => list("--grid-audit-rate", String(auditRate)).map((audit) => ({ ...g, audit })));
  console.log(`${model ? "hybrid with the model" : "memory alone"}; seed ${seed}`);
  const keys = Object.keys(grid[0] ?? {}).filter((k) => k !== "audit");
  console.log(
    `| ${keys.join(" | ")} | audit rate | calls saved | true mean abs reward error | estimate [interval] | first / second half |`,
  );
  console.log(`|${keys.map(() => "---:|").join("")}---:|---:|---:|---:|---:|`);
  for (const { audit, ...settings } of grid) {
    const r = measure(await runMode(model ? "hybrid" : "memory", model, settings, audit));
    console.log(
      `| ${keys.map((k) => settings[k]).join(" | ")} | ${audit} | ${pct(r.saved)} | ${f(r.trueError)} | ${f(r.estimate)} [${f(r.interval?.[0])}, ${f(r.interval?.[1])}] | ${pct(r.savedFirstHalf)} / ${pct(r.savedSecondHalf)} |`,
    );
  }
}

await main();
