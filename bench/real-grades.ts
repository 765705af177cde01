/**
 * How close the reward model gets to the rubric grader it replaces, on real graded answers:
 * 5-fold cross-validation by prompt on `graded_hard_responses.jsonl` (every answer of a prompt on
 * one side; folds from a hash of the prompt id, fixed before any result was seen), plus the
 * physician pairs of the bundled HealthBench rows, folded the same way. Each fold trains the
 * default model and the every-lambda-0 ablation on the other folds (with `train`'s defaults;
 * early stopping on a validation share of the training prompts only) and measures, on the held-out
 * fold, agreement with the grader beside answer length, prompt-answer cosine and the criterion-only
 * baseline (a logistic model on what each criterion says about itself, fitted on the same training
 * folds): ordering with and without the rubric, criterion verdicts and their calibration, master-key
 * probes, physician pairs. Then the whole file is trained once, for the time it takes. Embedding
 * every text once is timed apart.
 *
 *   node --import tsx bench/real-grades.ts [--graded FILE] [--encoder use-lite] [--store FILE] [--folds 5]
 *     [--epochs N] [--only 0,2] [--no-whole] [--out-dir DIR]
 *   node --import tsx bench/real-grades.ts --table DIR     (the table from the fold reports in DIR)
 *
 * Each fold's report is written to DIR/fold-N.json as soon as it is done (DIR default
 * real-grades), so folds can run in several processes, one per core, and be tabled together; the
 * fold's model is kept in DIR/fold-N-model for bench/triage.bench.ts.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEMO_HEALTHBENCH } from "../src/cli/demo.js";
import { runRmEval } from "../src/cli/rm-eval.js";
import { openEncoder } from "../src/cli/rm-options.js";
import { trainOptions } from "../src/cli/train.js";
import { sha256Hex } from "../src/core/hash.js";
import { criterionOnlyBaseline } from "../src/eval/baselines.js";
import type { EvalReport, ModelEval } from "../src/eval/rm-eval.js";
import { loadExamples, loadGradedAnswers } from "../src/healthbench/load.js";
import type { GradedExample, HealthBenchExample } from "../src/healthbench/schema.js";
import { packageFile } from "../src/io/package-files.js";
import { trainRewardModel } from "../src/rm/reward-model-files.js";
import { loadStandards } from "../src/standards/load-standards.js";
import { openStore } from "../src/store/open-store.js";
import { sharedHealthBenchFile } from "../test/shared-data.js";
import { chestPainCheck } from "./chest-pain-sample.js";

const flag = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const gradedFile = flag("--graded") ?? sharedHealthBenchFile("graded_hard_responses.jsonl");
const folds = Number(flag("--folds") ?? 5);
const epochs = flag("--epochs");
const ZERO = { axis: 0, perp: 0, inv: 0, abs: 0 };

const foldOf = (promptId: string) => Number.parseInt(sha256Hex(promptId).slice(0, 8), 16) % folds;
const log = (message: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);

const outDir = flag("--out-dir") ?? flag("--table") ?? "real-grades";
if (!flag("--table")) await runFolds();

async function runFolds(): Promise<void> {
  const only = flag("--only")?.split(",").filter(Boolean).map(Number) ?? Array.from({ length: folds }, (_, i) => i);
  mkdirSync(outDir, { recursive: true });
  const loaded = await loadStandards();
  const graded = (await loadGradedAnswers(gradedFile)).rows;
  const healthbench = (await Promise.all(DEMO_HEALTHBENCH.map(async (f) => (await loadExamples(packageFile(f))).rows))).flat();
  const store = await openStore({ store: flag("--store") });
  const encoder = await openEncoder(flag("--encoder") ?? "use-lite", {}, store);
  const options = trainOptions({ epochs: epochs ? Number(epochs) : undefined });
  const whole = { graded, healthbench };
  // Embedding every text once: building the whole training set embeds (and caches) all of it.
  const embedStart = performance.now();
  const { buildTrainingSet } = await import("../src/rm/training-set.js");
  const { trainingSignal } = await import("../src/rm/training-signal.js");
  await buildTrainingSet(trainingSignal(whole, options.minGap), loaded.standard, encoder.encoder, { maxParts: options.maxParts });
  const embedSeconds = (performance.now() - embedStart) / 1000;
  log(`embedded (or read from the cache) in ${embedSeconds.toFixed(0)} s`);
  for (const fold of only) {
    const split = <T extends { prompt_id: string }>(rows: readonly T[]) => ({
      train: rows.filter((r) => foldOf(r.prompt_id) !== fold),
      test: rows.filter((r) => foldOf(r.prompt_id) === fold),
    });
    const g = split<GradedExample>(graded);
    const h = split<HealthBenchExample>(healthbench);
    const input = { graded: g.train, healthbench: h.train };
    const start = performance.now();
    const gprc = await trainRewardModel(input, loaded, encoder, options);
    const trainSeconds = (performance.now() - start) / 1000;
    log(`fold ${fold}: trained in ${trainSeconds.toFixed(0)} s, ${gprc.result.history.length} epochs (best ${gprc.result.bestEpoch})`);
    // Kept for the triage benchmark (bench/triage.bench.ts --fold N=DIR), which replays this fold's verdicts.
    await gprc.save(join(outDir, `fold-${fold}-model`));
    const zero = await trainRewardModel(input, loaded, encoder, { ...options, lambdas: ZERO });
    const [parts, zeroParts] = [await gprc.ablations(), await zero.ablations()];
    const criterionOnly = await criterionOnlyBaseline(
      input,
      gprc.config.dimensions.map((d) => d.id),
      { minGap: options.minGap },
    );
    const models = {
      gprc: gprc.model,
      network: parts.network,
      heads: parts.heads,
      lambdas0: zero.model,
      "lambdas0-network": zeroParts.network,
      "criterion-only": criterionOnly,
    };
    const report = await runRmEval(models, gprc.config.dimensions, encoder.encoder, {
      graded: g.test,
      healthbench: h.test,
    });
    const chestPain = Object.fromEntries(
      await Promise.all(Object.entries(models).map(async ([name, m]) => [name, await chestPainCheck(m)])),
    );
    const summary = {
      fold,
      encoder: encoder.encoder.id,
      embedSeconds,
      trainSeconds,
      epochs: gprc.result.history.length,
      report,
      chestPain,
    };
    writeFileSync(join(outDir, `fold-${fold}.json`), `${JSON.stringify(summary, null, 2)}\n`);
    const pairs = (m: string) => report.models[m]?.agreement?.pairwise.accuracy?.toFixed(3);
    log(`fold ${fold}: pairs in order: gprc ${pairs("gprc")}, lambdas0 ${pairs("lambdas0")}, length ${pairs("length")}`);
  }
  if (!process.argv.includes("--no-whole")) {
    // The whole graded file alone: its training time, and transfer to every HealthBench row's
    // physician pairs, none of which it saw.
    const start = performance.now();
    const trained = await trainRewardModel({ graded }, loaded, encoder, options);
    const seconds = (performance.now() - start) / 1000;
    log(`whole graded file trained in ${seconds.toFixed(0)} s, ${trained.result.history.length} epochs`);
    const zero = await trainRewardModel({ graded }, loaded, encoder, { ...options, lambdas: ZERO });
    const report = await runRmEval({ gprc: trained.model, lambdas0: zero.model }, trained.config.dimensions, encoder.encoder, {
      healthbench,
    });
    const summary = { seconds, epochs: trained.result.history.length, embedSeconds, report };
    writeFileSync(join(outDir, "whole.json"), `${JSON.stringify(summary, null, 2)}\n`);
  }
  await store.close();
}

const foldFiles = readdirSync(outDir).filter((f) => /^fold-\d+\.json$/.test(f));
type ChestPain = Awaited<ReturnType<typeof chestPainCheck>>;
const summaries = foldFiles.map(
  (f) =>
    JSON.parse(readFileSync(join(outDir, f), "utf8")) as {
      report: EvalReport;
      trainSeconds: number;
      encoder: string;
      chestPain?: Record<string, ChestPain>;
    },
);
const reports = summaries.map((s) => s.report);

/** A measure pooled over folds: the n-weighted mean of the per-fold values. */
function pooled(model: string, measure: (m: ModelEval) => { value: number | null | undefined; n: number } | undefined) {
  let total = 0;
  let n = 0;
  for (const report of reports) {
    const m = report.models[model];
    const got = m ? measure(m) : undefined;
    if (!got || got.value === null || got.value === undefined) continue;
    total += got.value * got.n;
    n += got.n;
  }
  return n === 0 ? { value: null, n: 0 } : { value: total / n, n };
}

type Measure = (m: ModelEval) => { value: number | null | undefined; n: number } | undefined;
const keyRate =
  (kind: string, mode: "beats_with_rubric" | "beats_without_rubric"): Measure =>
  (m) => {
    const rate = m.master_keys?.[kind as keyof NonNullable<ModelEval["master_keys"]>];
    return rate && { value: rate[mode], n: rate.n };
  };
const worstKey =
  (mode: "beats_with_rubric" | "beats_without_rubric"): Measure =>
  (m) =>
    m.master_keys && {
      value: Math.max(...Object.values(m.master_keys).map((r) => r[mode] ?? 0)),
      n: Object.values(m.master_keys)[0]?.n ?? 0,
    };
const calibrationOf =
  (
    pick: (c: NonNullable<NonNullable<NonNullable<ModelEval["agreement"]>["criteria"]>["calibration"]>) => number | null,
    n?: (m: ModelEval) => number,
  ): Measure =>
  (m) => {
    const c = m.agreement?.criteria;
    return c?.calibration && { value: pick(c.calibration), n: n ? n(m) : c.n };
  };
const MEASURES: [string, Measure][] = [
  [
    "with the rubric: pairs in order (gap >= 0.1)",
    (m) => m.agreement && { value: m.agreement.pairwise.accuracy, n: m.agreement.pairwise.n_pairs },
  ],
  [
    "with the rubric: best-of-N gain share",
    (m) => m.agreement && { value: m.agreement.best_of_n.gain_share, n: m.agreement.best_of_n.n_prompts },
  ],
  [
    "with the rubric: within-prompt Spearman",
    (m) => m.agreement && { value: m.agreement.spearman.mean, n: m.agreement.spearman.n_prompts },
  ],
  [
    "without a rubric: pairs in order",
    (m) =>
      m.agreement?.without_rubric && {
        value: m.agreement.without_rubric.pairwise.accuracy,
        n: m.agreement.without_rubric.pairwise.n_pairs,
      },
  ],
  [
    "without a rubric: best-of-N gain share",
    (m) =>
      m.agreement?.without_rubric && {
        value: m.agreement.without_rubric.best_of_n.gain_share,
        n: m.agreement.without_rubric.best_of_n.n_prompts,
      },
  ],
  ...(["with the rubric", "without a rubric"] as const).flatMap((mode): [string, Measure][] => {
    const of = (m: ModelEval) => (mode === "with the rubric" ? m.agreement : m.agreement?.without_rubric);
    return [
      [
        `${mode}: pairs in order where the grader prefers the shorter answer`,
        (m) => of(m) && { value: of(m)?.shorter_better.accuracy, n: of(m)?.shorter_better.n_pairs ?? 0 },
      ],
      [
        `${mode}: within-prompt Spearman of reward with length`,
        (m) => of(m) && { value: of(m)?.length_spearman.mean, n: of(m)?.length_spearman.n_prompts ?? 0 },
      ],
    ];
  }),
  [
    "the grader's own within-prompt Spearman of score with length",
    (m) => m.agreement && { value: m.agreement.grader_length_spearman.mean, n: m.agreement.grader_length_spearman.n_prompts },
  ],
  ...(
    [
      ["original_beats_inverted", "safety: the answer beats its copy with the urgent advice dismissed"],
      ["original_beats_removed", "safety: the answer beats its copy with the urgent advice swapped for filler"],
      ["short_urgent_beats_long_dangerous", "safety: the urgent advice alone beats the long answer dismissing it"],
    ] as const
  ).flatMap(([key, label]): [string, Measure][] => [
    [
      `${label}, with the rubric`,
      (m) => m.safety_contrasts && { value: m.safety_contrasts[key].with_rubric, n: m.safety_contrasts[key].n },
    ],
    [
      `${label}, without a rubric`,
      (m) => m.safety_contrasts && { value: m.safety_contrasts[key].without_rubric, n: m.safety_contrasts[key].n },
    ],
  ]),
  ["criteria: accuracy", (m) => m.agreement?.criteria && { value: m.agreement.criteria.accuracy, n: m.agreement.criteria.n }],
  ["criteria: macro F1", (m) => m.agreement?.criteria && { value: m.agreement.criteria.macro_f1, n: m.agreement.criteria.n }],
  ["criteria: AUC", (m) => m.agreement?.criteria && { value: m.agreement.criteria.auc, n: m.agreement.criteria.n }],
  ["criteria: calibration error (ECE, lower is better)", calibrationOf((c) => c.ece)],
  ["criteria: share with P >= 0.9 or <= 0.1", calibrationOf((c) => c.sure_share)],
  [
    "criteria: right where that sure",
    calibrationOf(
      (c) => c.sure_accuracy,
      (m) => Math.round((m.agreement?.criteria?.calibration?.sure_share ?? 0) * (m.agreement?.criteria?.n ?? 0)),
    ),
  ],
  ["master keys: worst probe beats a real answer, with the rubric", worstKey("beats_with_rubric")],
  ["master keys: worst probe beats a real answer, without a rubric", worstKey("beats_without_rubric")],
  ...["empty", "colon", "thought_process", "step_by_step", "solution_opener", "refusal", "question_echo", "other_question"].flatMap(
    (kind): [string, Measure][] => [
      [`master key ${kind} beats a real answer: with the rubric`, keyRate(kind, "beats_with_rubric")],
      [`master key ${kind} beats a real answer: without a rubric`, keyRate(kind, "beats_without_rubric")],
    ],
  ),
  [
    "physician ideal beats reference, without a rubric",
    (m) => m.transfer && { value: m.transfer.overall.win_rate, n: m.transfer.overall.n_pairs },
  ],
  [
    "physician ideal beats reference, by the row's rubric",
    (m) => m.transfer?.with_rubric && { value: m.transfer.with_rubric.overall.win_rate, n: m.transfer.with_rubric.overall.n_pairs },
  ],
  ["probes passed", (m) => m.probes && { value: m.probes.overall.pass_rate, n: m.probes.overall.n }],
];
const models = ["gprc", "network", "heads", "lambdas0", "lambdas0-network", "criterion-only", "length", "cosine"];
const table = MEASURES.map(([label, measure]) => {
  const cells = models.map((model) => pooled(model, measure));
  const n = Math.max(...cells.map((c) => c.n));
  return `| ${label} | ${n} | ${cells.map((c) => (c.value === null ? "-" : c.value.toFixed(3))).join(" | ")} |`;
});
const wholeFile = join(outDir, "whole.json");
const whole = readdirSync(outDir).includes("whole.json")
  ? (JSON.parse(readFileSync(wholeFile, "utf8")) as { seconds: number; epochs: number; embedSeconds: number })
  : null;
console.log(`${foldFiles.length} of ${folds} folds by prompt, held out in turn; encoder ${summaries[0]?.encoder}`);
console.log(
  `training per fold: ${summaries.map((s) => s.trainSeconds.toFixed(0)).join(", ")} s; on the whole file: ${whole ? `${whole.seconds.toFixed(0)} s (${whole.epochs} epochs)` : "not run"}\n`,
);
console.log(`| measure (held-out folds, n-weighted) | n | ${models.join(" | ")} |`);
console.log(`|---|---:|${models.map(() => "---:").join("|")}|`);
for (const row of table) console.log(row);
// The issue's sample: per model and mode, the share of (fold, urgent answer) cases where the urgent answer beats the dismissive one.
const chestCells = (mode: keyof ChestPain) =>
  models.map((model) => {
    const wins = summaries.flatMap((s) => s.chestPain?.[model]?.[mode].wins ?? []);
    return wins.length === 0 ? "-" : `${wins.reduce((a, b) => a + b, 0)}/${wins.length}`;
  });
console.log(
  `| chest-pain sample: "call 911" answers beat the long indigestion answer, with the rubric | - | ${chestCells("with_rubric").join(" | ")} |`,
);
console.log(`| chest-pain sample: the same, without a rubric | - | ${chestCells("without_rubric").join(" | ")} |`);
const wholeReport = (whole as { report?: EvalReport } | null)?.report;
if (wholeReport) {
  console.log("\nTrained on the whole graded file only, measured on every bundled HealthBench row:\n");
  console.log(`| measure | n | ${models.join(" | ")} |`);
  console.log(`|---|---:|${models.map(() => "---:").join("|")}|`);
  for (const [label, measure] of MEASURES.filter(([label]) => label.startsWith("physician") || label.startsWith("probes"))) {
    const cells = models.map((model) => {
      const m = wholeReport.models[model];
      return (m && measure(m)) || { value: null, n: 0 };
    });
    const n = Math.max(...cells.map((c) => c.n));
    console.log(`| ${label} | ${n} | ${cells.map((c) => (typeof c.value === "number" ? c.value.toFixed(3) : "-")).join(" | ")} |`);
  }
}
