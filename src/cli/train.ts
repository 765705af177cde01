/**
 * `medrubric train`: a GPRC reward model from graded answers (files, or the judge verdicts a store
 * keeps), HealthBench rows and training units, written to a model directory.
 */

import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { ConfigError, NotFoundError, UsageError } from "../core/errors.js";
import { sha256Hex } from "../core/hash.js";
import { exampleTagsFrom, loadExamples, loadGradedAnswers } from "../healthbench/load.js";
import type { GradedExample, HealthBenchExample } from "../healthbench/schema.js";
import { checkOutputDir } from "../io/output-file.js";
import type { TrainingFile } from "../rm/checkpoint.js";
import type { HeadsFile } from "../rm/reward-heads.js";
import type { TrainingInput } from "../rm/reward-model-files.js";
import { DEFAULT_TRAIN_OPTIONS, type TrainOptions } from "../rm/train-options.js";
import { type LoadedStandard, loadStandards } from "../standards/load-standards.js";
import { checkStoreExists, openStore } from "../store/open-store.js";
import type { Store } from "../store/store.js";
import { loadUnits, type Unit } from "../synth/unit.js";
import { integerIn, MAX_SEED, numberIn } from "./flag-ranges.js";
import { loadGradedFromStore } from "./graded-from-store.js";
import { addEncoderOptions, type EncoderFlags, openEncoder } from "./rm-options.js";
import { reportDropped } from "./score.js";
import { trainingProgress } from "./training-progress.js";

interface TrainFlags extends EncoderFlags {
  units?: string[];
  graded?: string[];
  gradedFromStore?: boolean;
  judgeModel?: string;
  promptVersion?: string;
  healthbench?: string[];
  exampleTags?: string;
  out: string;
  standard?: string[];
  strictStandard?: boolean;
  seed: number;
  lambdaAxis: number;
  lambdaPerp: number;
  lambdaInv: number;
  lambdaAbs: number;
  minGap: number;
  maxParts: number;
  epochs: number;
  hidden: number;
  latent: number;
  attention: number;
  batchSize: number;
  learningRate: number;
  validationShare: number;
}

const D = DEFAULT_TRAIN_OPTIONS;
export const MAX_EPOCHS = 100_000;
/** A loss weight: 0 switches the loss off; beyond 1000 it drowns the ranking loss it shapes. */
const LAMBDA = numberIn(0, 1000);

export function registerTrain(program: Command): void {
  const command = program
    .command("train")
    .description("train a multi-dimensional GPRC reward model on graded answers, HealthBench rows and training units")
    .option("--units <files...>", "training units (JSONL, docs/unit.schema.json)")
    .option("--graded <files...>", "graded answers: the graded JSONL `score --input` reads, or simple-evals' <name>_allresults.json")
    .option(
      "--graded-from-store",
      "graded answers from the judge verdicts in --store (what grade and serve with a judge paid for, the learning hybrid's included)",
    )
    .option("--judge-model <name>", "with --graded-from-store: only verdicts of this judge model")
    .option("--prompt-version <version>", "with --graded-from-store: only verdicts of this grader prompt version")
    .option("--healthbench <files...>", "HealthBench rows: the physician's ideal answer preferred to each reference answer")
    .option("--example-tags <file>", "HealthBench rows whose example_tags fill in by prompt_id (simple-evals output keeps none)")
    .requiredOption("--out <dir>", "model directory to write")
    .option("--standard <files...>", "standard files (default: the built-in; `builtin` names it)")
    .option("--strict-standard", "refuse units made from another standard instead of warning")
    .option("--seed <n>", "seed of initialisation, shuffling and the validation split", integerIn(0, MAX_SEED), D.seed)
    .option("--min-gap <x>", "smallest rubric-score gap of a preference pair between graded answers", numberIn(0, 2), D.minGap)
    .option("--lambda-axis <x>", "weight of the axis-similarity loss", LAMBDA, D.lambdas.axis)
    .option("--lambda-perp <x>", "weight of the perpendicular-deviation loss", LAMBDA, D.lambdas.perp)
    .option("--lambda-inv <x>", "weight of the invariance loss (other dimensions stay put)", LAMBDA, D.lambdas.inv)
    .option(
      "--lambda-abs <x>",
      "weight of the absolute loss on calibrated scores (grader verdicts, axis scores, unit levels)",
      LAMBDA,
      D.lambdas.abs,
    )
    .option(
      "--epochs <n>",
      "most epochs (early stopping on the validation split usually stops sooner)",
      integerIn(1, MAX_EPOCHS),
      D.maxEpochs,
    )
    .option("--hidden <n>", "hidden units of each network", integerIn(1, 4096), D.hidden)
    .option("--latent <n>", "latent dimension k", integerIn(1, 1024), D.latent)
    .option("--attention <n>", "width of the reading's query and key projections", integerIn(1, 1024), D.attention)
    .option("--max-parts <n>", "most parts of an answer read (400 characters each)", integerIn(1, 10_000), D.maxParts)
    .option("--batch-size <n>", "answers per step (whole prompts)", integerIn(1, 65_536), D.batchSize)
    .option("--learning-rate <x>", "Adam learning rate", numberIn(0, 1, { minExclusive: true }), D.learningRate)
    .option("--validation-share <x>", "share of prompts held out for early stopping", numberIn(0, 0.5), D.validationShare);
  addEncoderOptions(command, "default: use-lite").action(async (flags: TrainFlags) => {
    if (!flags.units && !flags.graded && !flags.gradedFromStore && !flags.healthbench)
      throw new UsageError("give at least one of --units, --graded, --graded-from-store, --healthbench");
    if (!flags.gradedFromStore && (flags.judgeModel !== undefined || flags.promptVersion !== undefined))
      throw new UsageError("--judge-model and --prompt-version choose the verdicts --graded-from-store reads: give it too");
    await checkOutputDir(flags.out);
    const loaded = await loadStandards(flags.standard ?? []);
    if (flags.gradedFromStore) checkStoreExists(flags);
    const store = await openStore(flags);
    try {
      const input = await loadTrainingInput(flags, store);
      if (input.units) checkUnitStandards(input.units, loaded, flags.strictStandard ?? false);
      const encoder = await openEncoder(flags.encoder ?? "use-lite", flags, store);
      const result = await trainAndReport(input, loaded, encoder, trainOptions(flags));
      await result.save(flags.out);
      process.stdout.write(`wrote ${flags.out}\n`);
    } finally {
      await store.close();
    }
  });
}

/** Every training file, read and validated, with its hash and row count for the model directory. */
export async function loadTrainingInput(
  flags: Pick<TrainFlags, "units" | "graded" | "gradedFromStore" | "judgeModel" | "promptVersion" | "healthbench" | "exampleTags">,
  store?: Store,
): Promise<TrainingInput> {
  const files: TrainingFile[] = [];
  const record = async (path: string, kind: TrainingFile["kind"], rows: number) => {
    files.push({ path, kind, sha256: sha256Hex(await readFile(path)), rows });
  };
  const exampleTags = flags.exampleTags ? await exampleTagsFrom(flags.exampleTags) : undefined;
  const units: Unit[] = [];
  for (const file of flags.units ?? []) {
    const rows = await loadUnits([file]);
    units.push(...rows);
    await record(file, "units", rows.length);
  }
  const graded: GradedExample[] = [];
  for (const file of flags.graded ?? []) {
    const loaded = await loadGradedAnswers(file, { exampleTags });
    reportDropped(file, loaded);
    graded.push(...loaded.rows);
    await record(file, "graded", loaded.rows.length);
  }
  if (flags.gradedFromStore && store) {
    const stored = await loadGradedFromStore(store, { judgeModel: flags.judgeModel, promptVersion: flags.promptVersion }, exampleTags);
    if (stored.rows.length === 0)
      throw new NotFoundError(
        `${stored.source}: no judge verdicts to train on; grade or serve with a judge into this store first (verdicts cached before prompts were kept cannot be used)`,
      );
    process.stdout.write(`${storeGradedLine(stored)}\n`);
    graded.push(...stored.rows);
    files.push(stored.file);
  }
  const healthbench: HealthBenchExample[] = [];
  for (const file of flags.healthbench ?? []) {
    const { rows } = await loadExamples(file);
    healthbench.push(...rows);
    await record(file, "healthbench", rows.length);
  }
  return { units: flags.units ? units : undefined, graded, healthbench, files };
}

export function trainOptions(flags: Partial<TrainFlags>): Omit<TrainOptions, "onEpoch"> {
  return {
    ...D,
    seed: flags.seed ?? D.seed,
    lambdas: {
      axis: flags.lambdaAxis ?? D.lambdas.axis,
      perp: flags.lambdaPerp ?? D.lambdas.perp,
      inv: flags.lambdaInv ?? D.lambdas.inv,
      abs: flags.lambdaAbs ?? D.lambdas.abs,
    },
    minGap: flags.minGap ?? D.minGap,
    maxParts: flags.maxParts ?? D.maxParts,
    maxEpochs: flags.epochs ?? D.maxEpochs,
    hidden: flags.hidden ?? D.hidden,
    latent: flags.latent ?? D.latent,
    attention: flags.attention ?? D.attention,
    batchSize: flags.batchSize ?? D.batchSize,
    learningRate: flags.learningRate ?? D.learningRate,
    validationShare: flags.validationShare ?? D.validationShare,
  };
}

/** What --graded-from-store read, in a line: answers, prompts, and the answers judged on part of their rubric. */
function storeGradedLine({ source, rows, prompts, partial, unscorable }: Awaited<ReturnType<typeof loadGradedFromStore>>): string {
  const left = unscorable > 0 ? `; ${unscorable} prompts left out (no criterion with positive points judged)` : "";
  return (
    `graded from the store ${source}: ${rows.length} answers to ${prompts} prompts; ${partial} of them judged on only part of their prompt's rubric ` +
    `(the criteria not judged left out, as judge failures are)${left}`
  );
}

/** Trains with a progress bar over epochs and prints what training achieved. */
export async function trainAndReport(
  input: TrainingInput,
  loaded: LoadedStandard,
  encoder: Awaited<ReturnType<typeof openEncoder>>,
  options: Omit<TrainOptions, "onEpoch">,
  label = "training",
) {
  const progress = trainingProgress(label, options.maxEpochs);
  const { trainRewardModel } = await import("../rm/reward-model-files.js");
  const result = await trainRewardModel(input, loaded, encoder, { ...options, onEpoch: progress.onEpoch }).catch((error) => {
    progress.stop();
    throw error;
  });
  progress.finish(result.config.training);
  const { counts } = result.set;
  const { history, bestEpoch, stoppedEarly, split } = result.result;
  const best = history[bestEpoch - 1];
  const fmt = (x: number | null | undefined) => (typeof x === "number" ? x.toFixed(3) : "n/a");
  process.stdout.write(
    `${label}: ${counts.prompts} prompts (${split.train} train, ${split.validation} validation): ${counts.answers} answers, ` +
      `${counts.verdicts} verdicts, ${counts.pairs} graded pairs, ${counts.physician_pairs} physician pairs, ` +
      `${counts.axis_targets} axis targets, ${counts.units} units; ${history.length} epochs` +
      `${stoppedEarly ? " (stopped early)" : ""}, best epoch ${bestEpoch}: validation pairs in order ${fmt(best?.validationPairAccuracy)}, ` +
      `units in triple order ${fmt(best?.validationTripleAccuracy)}\n` +
      `${label}: ${counts.degenerate_answers} degenerate answers as negatives, ${counts.contrast_answers} advice contrasts; ${headsLine(result.heads)}\n`,
  );
  return result;
}

/** What the heads were fitted on, in a line. */
function headsLine({ criterion, answer, fit, length, rubric_safety }: HeadsFile): string {
  const p = criterion
    ? `P(met) head on ${fit.criterion_rows} criterion rows, calibrated on the ${fit.criterion_calibrated_on}`
    : "no P(met) head (no verdicts: P(met) is the network's)";
  const r = answer
    ? `reward-without-rubric head on ${fit.answer_pairs} pairs, calibrated on the ${fit.answer_calibrated_on}`
    : "no reward-without-rubric head";
  const f = (x: unknown) => (typeof x === "number" ? x.toFixed(2) : "-");
  // The length term (docs/gprc.md): the reward's within-prompt Spearman with length, before and after, beside the grader's.
  const l =
    typeof fit.grader_length_spearman === "number"
      ? `; length term ${f(length.rubric)} / ${f(length.answer)} (with / without a rubric): Spearman with length ${f(fit.rubric_length_spearman_before)} -> ${f(fit.rubric_length_spearman_after)} / ${f(fit.answer_length_spearman_before)} -> ${f(fit.answer_length_spearman_after)}, the grader's ${f(fit.grader_length_spearman)}`
      : "";
  // The safety term (docs/gprc.md): points of expected score per unit of urgent advice given less help dismissed.
  const s = rubric_safety > 0 ? `; safety term ${f(rubric_safety)} (with a rubric)` : "";
  return `${p}; ${r}${l}${s}`;
}

function checkUnitStandards(units: readonly Unit[], loaded: LoadedStandard, strict: boolean): void {
  const other = units.filter((u) => u.standards_hash !== loaded.hash).length;
  if (other === 0) return;
  const message = `${other} of ${units.length} units were made from another standard than the loaded one (${loaded.hash.slice(0, 12)})`;
  if (strict) throw new ConfigError(`${message}; load the standard they were made from`);
  process.stderr.write(`warning: ${message}\n`);
}
