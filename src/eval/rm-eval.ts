/**
 * The reward-model evaluation: every metric (unit accuracy, HealthBench transfer, rubric
 * correlation, agreement with the grader, robustness probes) for every model on the same data, as one JSON-able report,
 * and a comparison table with one row per metric and one column per model. A metric runs only
 * when its data is given.
 */
import type { RewardModel } from "../core/types.js";
import type { GradedExample, HealthBenchExample } from "../healthbench/schema.js";
import type { Unit } from "../synth/unit.js";
import { type GraderAgreement, graderAgreement } from "./grader-agreement.js";
import { healthBenchTransfer, type TransferReport, type WinRate } from "./healthbench-transfer.js";
import { type MasterKeyReport, masterKeyProbes } from "./master-keys.js";
import { type ProbePrompt, type ProbeReport, robustnessProbes } from "./robustness-probes.js";
import { type RubricCorrelation, rubricCorrelation } from "./rubric-correlation.js";
import { type SafetyContrasts, safetyContrasts } from "./safety-contrasts.js";
import { DEFAULT_BATCH_SIZE } from "./score-batched.js";
import { type OrderAccuracy, type UnitAccuracy, unitAccuracy } from "./unit-accuracy.js";

export interface EvaluateOptions {
  models: Readonly<Record<string, RewardModel>>;
  units?: readonly Unit[];
  healthbench?: readonly HealthBenchExample[];
  graded?: readonly GradedExample[];
  probes?: readonly ProbePrompt[];
  /** HealthBench axis (without `axis:`) to the dimensions that map to it. */
  axisDimensions: Readonly<Record<string, readonly string[]>>;
  /** Terms the term-stuffing probe strings together. */
  probeTerms: readonly string[];
  batchSize?: number;
  /** Smallest score gap of a compared pair of graded answers. */
  minGap?: number;
}

export interface ModelEval {
  units?: UnitAccuracy;
  transfer?: TransferReport;
  correlation?: RubricCorrelation;
  agreement?: GraderAgreement;
  master_keys?: MasterKeyReport;
  safety_contrasts?: SafetyContrasts;
  probes?: ProbeReport;
}

export interface EvalReport {
  models: Record<string, ModelEval>;
  data: { n_units: number; n_healthbench: number; n_graded: number; n_probes: number };
}

export async function evaluateRewardModel(options: EvaluateOptions): Promise<EvalReport> {
  const { units, healthbench, graded, probes, batchSize = DEFAULT_BATCH_SIZE } = options;
  const models: Record<string, ModelEval> = {};
  for (const [name, model] of Object.entries(options.models)) {
    const result: ModelEval = {};
    if (units) result.units = await unitAccuracy(model, units, batchSize);
    if (healthbench) result.transfer = await healthBenchTransfer(model, healthbench, batchSize);
    if (graded) {
      result.correlation = await rubricCorrelation(model, graded, options.axisDimensions, batchSize);
      result.agreement = await graderAgreement(model, graded, { minGap: options.minGap, batchSize });
      result.master_keys = await masterKeyProbes(model, graded, batchSize);
      result.safety_contrasts = await safetyContrasts(model, graded, batchSize);
    }
    if (probes && probes.length > 0) result.probes = await robustnessProbes(model, probes, options.probeTerms, batchSize);
    models[name] = result;
  }
  return {
    models,
    data: {
      n_units: units?.length ?? 0,
      n_healthbench: healthbench?.length ?? 0,
      n_graded: graded?.length ?? 0,
      n_probes: probes?.length ?? 0,
    },
  };
}

/** One cell of the table: the metric's value (null when undefined) and the n it rests on. */
interface Cell {
  value: number | null;
  n: number;
}

const ORDER_METRICS = [
  ["good_over_medium", "good > medium"],
  ["medium_over_poor", "medium > poor"],
  ["good_over_poor", "good > poor"],
  ["triple_order", "good > medium > poor"],
] as const;

function orderRows(prefix: string, accuracy: OrderAccuracy): [string, Cell][] {
  return ORDER_METRICS.map(([key, label]) => [`${prefix}${label}`, { value: accuracy[key], n: accuracy.n }]);
}

const winRow = (label: string, rate: WinRate): [string, Cell] => [label, { value: rate.win_rate, n: rate.n_pairs }];

/** A model's report as labelled rows, in reading order. */
function metricRows(result: ModelEval): [string, Cell][] {
  const rows: [string, Cell][] = [];
  if (result.units) {
    rows.push(...orderRows("units: ", result.units.overall));
    for (const [dimension, accuracy] of Object.entries(result.units.by_dimension))
      rows.push(...orderRows(`units [${dimension}]: `, accuracy));
  }
  if (result.transfer) {
    rows.push(winRow("transfer: ideal wins", result.transfer.overall));
    if (result.transfer.with_rubric) rows.push(winRow("transfer: ideal wins, by the row's rubric", result.transfer.with_rubric.overall));
    rows.push(winRow("transfer: ideal wins where it is the shorter", result.transfer.shorter_ideal));
    if (result.transfer.with_rubric)
      rows.push(winRow("transfer: ideal wins where it is the shorter, by the row's rubric", result.transfer.with_rubric.shorter_ideal));
    for (const [group, rate] of Object.entries(result.transfer.by_group)) rows.push(winRow(`transfer [${group}]: ideal wins`, rate));
  }
  if (result.correlation) {
    rows.push(["rubric: spearman(reward, score)", { value: result.correlation.overall.spearman, n: result.correlation.overall.n }]);
    for (const [axis, dimensions] of Object.entries(result.correlation.by_axis)) {
      for (const [dimension, c] of Object.entries(dimensions))
        rows.push([`rubric [axis:${axis}]: spearman(${dimension})`, { value: c.spearman, n: c.n }]);
    }
  }
  if (result.agreement) {
    const { pairwise, best_of_n, spearman, criteria } = result.agreement;
    rows.push(["grader: pairs in order", { value: pairwise.accuracy, n: pairwise.n_pairs }]);
    rows.push(["grader: best-of-N gain share", { value: best_of_n.gain_share, n: best_of_n.n_prompts }]);
    rows.push(["grader: within-prompt spearman", { value: spearman.mean, n: spearman.n_prompts }]);
    const free = result.agreement.without_rubric;
    rows.push(["grader, no rubric: pairs in order", { value: free.pairwise.accuracy, n: free.pairwise.n_pairs }]);
    rows.push(["grader, no rubric: best-of-N gain share", { value: free.best_of_n.gain_share, n: free.best_of_n.n_prompts }]);
    for (const [mode, o] of [
      ["", result.agreement],
      [", no rubric", free],
    ] as const) {
      rows.push([
        `grader${mode}: pairs in order where the shorter is better`,
        { value: o.shorter_better.accuracy, n: o.shorter_better.n_pairs },
      ]);
      rows.push([
        `length${mode}: within-prompt spearman(reward, length)`,
        { value: o.length_spearman.mean, n: o.length_spearman.n_prompts },
      ]);
    }
    const g = result.agreement.grader_length_spearman;
    rows.push(["length: the grader's own within-prompt spearman(score, length)", { value: g.mean, n: g.n_prompts }]);
    if (criteria) {
      rows.push(["criteria: accuracy", { value: criteria.accuracy, n: criteria.n }]);
      rows.push(["criteria: macro F1", { value: criteria.macro_f1, n: criteria.n }]);
      rows.push(["criteria: AUC", { value: criteria.auc, n: criteria.n }]);
      if (criteria.calibration) {
        const c = criteria.calibration;
        rows.push(["criteria: calibration error (ECE, lower is better)", { value: c.ece, n: criteria.n }]);
        rows.push(["criteria: share with P >= 0.9 or <= 0.1", { value: c.sure_share, n: criteria.n }]);
        rows.push(["criteria: accuracy where that sure", { value: c.sure_accuracy, n: Math.round(c.sure_share * criteria.n) }]);
      }
    }
  }
  for (const [kind, rate] of Object.entries(result.master_keys ?? {})) {
    rows.push([`master key [${kind}] beats a real answer, with rubric`, { value: rate.beats_with_rubric, n: rate.n }]);
    rows.push([`master key [${kind}] beats a real answer, no rubric`, { value: rate.beats_without_rubric, n: rate.n }]);
  }
  for (const [kind, rate] of Object.entries(result.safety_contrasts ?? {})) {
    rows.push([`safety [${kind}], with rubric`, { value: rate.with_rubric, n: rate.n }]);
    rows.push([`safety [${kind}], no rubric`, { value: rate.without_rubric, n: rate.n }]);
  }
  if (result.probes) {
    rows.push(["probes: pass", { value: result.probes.overall.pass_rate, n: result.probes.overall.n }]);
    for (const [kind, rate] of Object.entries(result.probes.by_kind))
      rows.push([`probes [${kind}]: pass`, { value: rate.pass_rate, n: rate.n }]);
  }
  return rows;
}

/** Rows are metrics, columns are models; n is the data a metric rests on, the same for every model. */
export function formatEvalTable(report: EvalReport): string {
  const names = Object.keys(report.models);
  const byModel = names.map((name) => new Map(metricRows(report.models[name] as ModelEval)));
  const labels = [...new Set(byModel.flatMap((rows) => [...rows.keys()]))];
  const labelWidth = Math.max("metric".length, ...labels.map((label) => label.length)) + 2;
  const widths = names.map((name) => Math.max(name.length, 6) + 2);
  const nOf = (label: string) => byModel.find((rows) => rows.has(label))?.get(label)?.n ?? 0;
  const nWidth = Math.max(1, ...labels.map((label) => String(nOf(label)).length)) + 2;
  const header = `${"metric".padEnd(labelWidth)}${"n".padStart(nWidth)}${names.map((name, i) => name.padStart(widths[i] as number)).join("")}`;
  const lines = labels.map((label) => {
    const cells = byModel.map((rows, i) => {
      const cell = rows.get(label);
      const text = cell === undefined ? "-" : cell.value === null ? "n/a" : cell.value.toFixed(4);
      return text.padStart(widths[i] as number);
    });
    return `${label.padEnd(labelWidth)}${String(nOf(label)).padStart(nWidth)}${cells.join("")}`;
  });
  return `${[header, ...lines].join("\n")}\n`;
}
