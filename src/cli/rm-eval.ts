/**
 * `medrubric rm-eval`: the trained model against the baselines on the same data: held-out
 * units, HealthBench transfer, correlation with rubric grades, robustness probes.
 */
import type { Command } from "commander";
import { UsageError } from "../core/errors.js";
import type { Encoder, RewardModel } from "../core/types.js";
import { cosineBaseline, lengthBaseline } from "../eval/baselines.js";
import { axisDimensionsOf, type EvalDimension, probePromptsFrom, probeTermsOf } from "../eval/eval-inputs.js";
import { DEFAULT_MIN_GAP } from "../eval/grader-agreement.js";
import { type EvalReport, evaluateRewardModel, formatEvalTable } from "../eval/rm-eval.js";
import { exampleTagsFrom, loadExamples, loadGradedAnswers } from "../healthbench/load.js";
import type { GradedExample, HealthBenchExample } from "../healthbench/schema.js";
import { checkOutputFiles, writeFileAtomic } from "../io/output-file.js";
import { resultText } from "../report/write-report.js";
import { loadUnits, type Unit } from "../synth/unit.js";
import { numberIn } from "./flag-ranges.js";
import { addModelOptions, loadModelFromFlags, type ModelFlags } from "./rm-options.js";
import { reportDropped } from "./score.js";

interface RmEvalFlags extends ModelFlags {
  units?: string[];
  healthbench?: string;
  graded?: string;
  exampleTags?: string;
  minGap: number;
  compare: string[];
  baselines: boolean;
  out: string;
}

export function registerRmEval(program: Command): void {
  const command = program
    .command("rm-eval")
    .description("evaluate a reward model against baselines: held-out units, HealthBench transfer, rubric correlation, robustness probes")
    .option("--units <files...>", "held-out training units (never the ones the model was trained on)")
    .option("--healthbench <file>", "HealthBench rows with ideal_completions_data, for the transfer test")
    .option(
      "--graded <file>",
      "graded answers (the graded JSONL `score --input` reads, or simple-evals' <name>_allresults.json): agreement with the grader",
    )
    .option("--example-tags <file>", "HealthBench rows whose example_tags fill in by prompt_id (simple-evals output keeps none)")
    .option("--min-gap <x>", "smallest rubric-score gap of a compared pair of graded answers", numberIn(0, 2), DEFAULT_MIN_GAP)
    .option(
      "--compare <name=dir>",
      "another model directory to report beside it (repeatable), e.g. lambdas0=models/zero",
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option("--no-baselines", "leave out the length and prompt-answer cosine baselines")
    .requiredOption("--out <file>", "the report (JSON)");
  addModelOptions(command).action(async (flags: RmEvalFlags) => {
    if (!flags.units && !flags.healthbench && !flags.graded) throw new UsageError("give at least one of --units, --healthbench, --graded");
    await checkOutputFiles([flags.out], [...(flags.units ?? []), flags.healthbench, flags.graded]);
    const { model, config, encoder, store } = await loadModelFromFlags(flags);
    try {
      const models: Record<string, RewardModel> = { gprc: model };
      const { loadRewardModel } = await import("../rm/reward-model-files.js");
      for (const entry of flags.compare) {
        const [name, dir] = entry.split("=");
        if (!name || !dir) throw new UsageError(`--compare ${entry}: expected name=dir`);
        models[name] = (await loadRewardModel(dir, { encoder })).model;
      }
      const data = {
        units: flags.units ? await loadUnits(flags.units) : undefined,
        healthbench: flags.healthbench ? (await loadExamples(flags.healthbench)).rows : undefined,
        graded: flags.graded ? await loadGradedFlag(flags.graded, flags.exampleTags) : undefined,
      };
      const report = await runRmEval(models, config.dimensions, encoder, data, { baselines: flags.baselines, minGap: flags.minGap });
      await writeFileAtomic(flags.out, resultText({ kind: "rm-eval", file: report }));
      process.stdout.write(`${formatEvalTable(report)}wrote ${flags.out}\n`);
    } finally {
      store.close();
    }
  });
}

async function loadGradedFlag(file: string, exampleTagsFile: string | undefined): Promise<GradedExample[]> {
  const loaded = await loadGradedAnswers(file, { exampleTags: exampleTagsFile ? await exampleTagsFrom(exampleTagsFile) : undefined });
  reportDropped(file, loaded);
  return loaded.rows;
}

/** Every model and, unless left out, the baselines, on the same data. */
export function runRmEval(
  models: Record<string, RewardModel>,
  dimensions: readonly EvalDimension[],
  encoder: Encoder,
  data: { units?: Unit[]; healthbench?: HealthBenchExample[]; graded?: GradedExample[] },
  { baselines = true, minGap = DEFAULT_MIN_GAP }: { baselines?: boolean; minGap?: number } = {},
): Promise<EvalReport> {
  const ids = dimensions.map((d) => d.id);
  const all = baselines ? { ...models, length: lengthBaseline(ids), cosine: cosineBaseline(encoder, ids) } : models;
  return evaluateRewardModel({
    models: all,
    ...data,
    probes: probePromptsFrom(data.units ?? [], data.healthbench ?? []),
    axisDimensions: axisDimensionsOf(dimensions),
    probeTerms: probeTermsOf(dimensions),
    minGap,
  });
}
