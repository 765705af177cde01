/**
 * Flags and loading shared by the reward-model commands: the encoder (with its cache in the
 * store and a progress bar while texts are embedded), the standard, and a trained model.
 */
import { availableParallelism } from "node:os";
import { isMainThread } from "node:worker_threads";
import { type Command, Option } from "commander";
import type { Encoder } from "../core/types.js";
import { createEncoder } from "../encoders/encoder-spec.js";
import { type ModelCalibration, modelCalibration, readCheckpointConfig } from "../rm/checkpoint.js";
import type { TrainedModel } from "../rm/reward-model-files.js";
import { type LoadedStandard, loadStandards } from "../standards/load-standards.js";
import { openStore, STORE_OPTION_HELP } from "../store/open-store.js";
import type { Store } from "../store/store.js";
import { integerIn } from "./flag-ranges.js";
import { createProgress, type Progress } from "./progress.js";

export interface EncoderFlags {
  encoder?: string;
  encoderApiKey?: string;
  store?: string;
  threads?: number;
}

export function addEncoderOptions(command: Command, defaultHelp: string): Command {
  return command
    .option("--encoder <spec>", `use-lite | glove | openai:URL#MODEL | onnx:DIR | A+B, e.g. use-lite+glove (${defaultHelp})`)
    .option("--encoder-api-key <key>", "API key of an openai: encoder (default: $MEDRUBRIC_ENCODER_API_KEY, then $OPENAI_API_KEY)")
    .option("--store <file-or-url>", STORE_OPTION_HELP)
    .addOption(threadsOption());
}

/** --threads: how many threads embed with an in-process encoder (use-lite, onnx:); the machine's cores by default. */
export function threadsOption(): Option {
  return new Option("--threads <n>", "threads embedding new texts with use-lite or onnx:")
    .argParser(integerIn(1, 256))
    .default(availableParallelism(), "this machine's cores");
}

/** A progress bar per large embedding call (texts not in the cache only). */
function embeddingProgress(): (done: number, total: number) => void {
  let bar: Progress | undefined;
  return (done, total) => {
    if (total < 64) return;
    bar ??= createProgress({ label: "embedding", total });
    bar.update(done);
    if (done >= total) {
      bar.stop();
      bar = undefined;
    }
  };
}

export async function openEncoder(spec: string, flags: EncoderFlags, store: Store): Promise<{ spec: string; encoder: Encoder }> {
  // The flag's default for callers without one (the benchmarks): every core.
  const threads = flags.threads ?? availableParallelism();
  const options = { store, apiKey: flags.encoderApiKey, threads, onProgress: embeddingProgress() };
  return { spec, encoder: await createEncoder(spec, options) };
}

export interface ModelFlags extends EncoderFlags {
  model: string;
  standard?: string[];
  strictStandard?: boolean;
}

/** With `optional`, --model may be left out (`serve` with a judge only). */
export function addModelOptions(command: Command, optional = false): Command {
  command[optional ? "option" : "requiredOption"]("--model <dir>", "a model directory written by `medrubric train`")
    .option("--standard <files...>", "score this standard's dimensions and weights (default: those the model was trained with)")
    .option("--strict-standard", "refuse a model trained with another standard instead of warning");
  return addEncoderOptions(command, "default: the model's own");
}

/**
 * Opens the store, the encoder the model was trained with (or --encoder, which must match), and the model,
 * with the scenarios it weighs: --standard's when given, else those it was trained with.
 */
export async function loadModelFromFlags(
  flags: ModelFlags,
): Promise<TrainedModel & { store: Store; encoder: Encoder; scenarios: string[] }> {
  const spec = flags.encoder ?? (await readCheckpointConfig(flags.model)).encoder.spec;
  const store = await openStore(flags);
  const { encoder } = await openEncoder(spec, flags, store);
  const standard: LoadedStandard | undefined = flags.standard ? await loadStandards(flags.standard) : undefined;
  const { loadRewardModel } = await import("../rm/reward-model-files.js");
  const loaded = await loadRewardModel(flags.model, { encoder, standard, refuseStandardMismatch: flags.strictStandard });
  for (const warning of loaded.warnings) process.stderr.write(`warning: ${warning}\n`);
  // A server's scoring thread stays quiet: `serve` says it once, before its workers start.
  if (isMainThread) noteUncalibrated(flags.model, loaded.calibration);
  const scenarios = standard ? standard.standard.scenarios.map((s) => s.id) : Object.keys(loaded.config.scenario_weights);
  return { ...loaded, store, encoder, scenarios };
}

/** The one line a command using a model prints when its P(met) never saw a grader's verdicts (the demo's model). */
export function noteUncalibrated(dir: string, calibration: ModelCalibration): void {
  if (calibration.onVerdicts) return;
  process.stderr.write(
    `note: ${dir} was trained without a grader's verdicts (like the demo's model): its rewards order answers, but its P(met) per criterion is not a calibrated probability; train with --graded for that\n`,
  );
}

/** The calibration recorded in a model directory, read without loading the model. */
export const calibrationOf = async (dir: string): Promise<ModelCalibration> => modelCalibration(await readCheckpointConfig(dir));
