/** `medrubric train`: a GPRC reward model from training units, written to a model directory. */
import type { Command } from "commander";
import { ConfigError, InputError } from "../core/errors.js";
import { checkOutputDir } from "../io/output-file.js";
import { DEFAULT_TRAIN_OPTIONS, type TrainOptions } from "../rm/train-options.js";
import { type LoadedStandard, loadStandards } from "../standards/load-standards.js";
import { loadUnits, type Unit } from "../synth/unit.js";
import { openStore } from "./grading-session.js";
import { parseFiniteNumber, parseNonNegativeInteger } from "./options.js";
import { createProgress } from "./progress.js";
import { addEncoderOptions, type EncoderFlags, openEncoder } from "./rm-options.js";

interface TrainFlags extends EncoderFlags {
  units: string[];
  out: string;
  standard?: string[];
  strictStandard?: boolean;
  seed: number;
  lambdaAxis: number;
  lambdaPerp: number;
  lambdaInv: number;
  lambdaAbs: number;
  epochs: number;
  hidden: number;
  latent: number;
  batchSize: number;
  learningRate: number;
  validationShare: number;
}

const D = DEFAULT_TRAIN_OPTIONS;

export function registerTrain(program: Command): void {
  const command = program
    .command("train")
    .description("train a multi-dimensional GPRC reward model on training units")
    .requiredOption("--units <files...>", "training units (JSONL, docs/unit.schema.json)")
    .requiredOption("--out <dir>", "model directory to write")
    .option("--standard <files...>", "standard files (default: the built-in; `builtin` names it)")
    .option("--strict-standard", "refuse units made from another standard instead of warning")
    .option("--seed <n>", "seed of initialisation, shuffling and the validation split", parseNonNegativeInteger, D.seed)
    .option("--lambda-axis <x>", "weight of the axis-similarity loss", parseFiniteNumber, D.lambdas.axis)
    .option("--lambda-perp <x>", "weight of the perpendicular-deviation loss", parseFiniteNumber, D.lambdas.perp)
    .option("--lambda-inv <x>", "weight of the invariance loss (other dimensions stay put)", parseFiniteNumber, D.lambdas.inv)
    .option(
      "--lambda-abs <x>",
      "weight of the absolute regression on rubric grades, when units have them",
      parseFiniteNumber,
      D.lambdas.abs,
    )
    .option(
      "--epochs <n>",
      "most epochs (early stopping on the validation split usually stops sooner)",
      parseNonNegativeInteger,
      D.maxEpochs,
    )
    .option("--hidden <n>", "hidden units of each network", parseNonNegativeInteger, D.hidden)
    .option("--latent <n>", "latent dimension k", parseNonNegativeInteger, D.latent)
    .option("--batch-size <n>", "units per step", parseNonNegativeInteger, D.batchSize)
    .option("--learning-rate <x>", "Adam learning rate", parseFiniteNumber, D.learningRate)
    .option("--validation-share <x>", "share of questions held out for early stopping", parseFiniteNumber, D.validationShare);
  addEncoderOptions(command, "default: use-lite").action(async (flags: TrainFlags) => {
    await checkOutputDir(flags.out);
    const loaded = await loadStandards(flags.standard ?? []);
    const units = await loadUnits(flags.units);
    if (units.length === 0) throw new InputError({ file: flags.units.join(", ") }, "no units");
    checkUnitStandards(units, loaded, flags.strictStandard ?? false);
    const store = openStore(flags);
    try {
      const encoder = await openEncoder(flags.encoder ?? "use-lite", flags, store);
      const result = await trainAndReport(units, loaded, encoder, trainOptions(flags));
      await result.save(flags.out);
      process.stdout.write(`wrote ${flags.out}\n`);
    } finally {
      store.close();
    }
  });
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
    maxEpochs: flags.epochs ?? D.maxEpochs,
    hidden: flags.hidden ?? D.hidden,
    latent: flags.latent ?? D.latent,
    batchSize: flags.batchSize ?? D.batchSize,
    learningRate: flags.learningRate ?? D.learningRate,
    validationShare: flags.validationShare ?? D.validationShare,
  };
}

/** Trains with a progress bar over epochs and prints what training achieved. */
export async function trainAndReport(
  units: readonly Unit[],
  loaded: LoadedStandard,
  encoder: Awaited<ReturnType<typeof openEncoder>>,
  options: Omit<TrainOptions, "onEpoch">,
  label = "training",
) {
  let progress: ReturnType<typeof createProgress> | undefined;
  const { trainRewardModel } = await import("../rm/reward-model-files.js");
  const result = await trainRewardModel(units, loaded, encoder, {
    ...options,
    onEpoch: (stats) => {
      progress ??= createProgress({ label, total: options.maxEpochs });
      progress.update(stats.epoch);
    },
  }).finally(() => progress?.stop());
  const t = result.config.training;
  const triple = typeof t.best_validation_triple_accuracy === "number" ? t.best_validation_triple_accuracy.toFixed(3) : "n/a";
  process.stdout.write(
    `${label}: ${units.length} units (${t.train_units} train, ${t.validation_units} validation), ${t.epochs_run} epochs, ` +
      `best epoch ${t.best_epoch}, validation triple-order accuracy ${triple}\n`,
  );
  return result;
}

function checkUnitStandards(units: readonly Unit[], loaded: LoadedStandard, strict: boolean): void {
  const other = units.filter((u) => u.standards_hash !== loaded.hash).length;
  if (other === 0) return;
  const message = `${other} of ${units.length} units were made from another standard than the loaded one (${loaded.hash.slice(0, 12)})`;
  if (strict) throw new ConfigError(`${message}; load the standard they were made from`);
  process.stderr.write(`warning: ${message}\n`);
}
