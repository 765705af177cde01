/** `medrubric eval`: samples the model under test on HealthBench examples, then grades the answers. */
import type { Command } from "commander";
import { InputError } from "../core/errors.js";
import { loadExamples } from "../healthbench/load.js";
import { sampleResponses } from "../judge/sample-responses.js";
import { openStore } from "../store/open-store.js";
import { deprecatedAlias } from "./cli-vocabulary.js";
import { integerIn } from "./flag-ranges.js";
import { addGradingOptions, checkGradingOutputs, type GradingFlags, runGrading } from "./grading-session.js";
import { addLlmOptions, createClientFromFlags, MODEL_UNDER_TEST } from "./llm-options.js";
import { createProgress } from "./progress.js";
import { reportDropped } from "./score.js";

interface EvalFlags extends GradingFlags {
  input: string;
  modelName: string;
  samples: number;
  skipInvalid?: boolean;
}

export function registerEval(program: Command): void {
  const command = program
    .command("eval")
    .description("sample a model on HealthBench-format examples, then grade its answers with an LLM judge")
    .requiredOption("--input <file>", "the examples to answer and grade: HealthBench JSONL (prompt_id, prompt, rubrics, example_tags)")
    .option("--samples <n>", "completions per example", integerIn(1, 100), 1)
    .option("--skip-invalid", "skip examples that fail validation (counted on stderr)");
  addLlmOptions(command, MODEL_UNDER_TEST);
  deprecatedAlias(command, "--data <file>", "--input");
  deprecatedAlias(command, "--model <name>", "--model-name");
  addGradingOptions(command).action(async (flags: EvalFlags) => {
    await checkGradingOutputs(flags, [flags.input]);
    const loaded = await loadExamples(flags.input, { skipInvalid: flags.skipInvalid ?? false });
    reportDropped(flags.input, loaded, "same prompt_id and rubric set");
    const client = createClientFromFlags(flags, MODEL_UNDER_TEST, flags.concurrency);
    const store = await openStore(flags);
    try {
      const progress = createProgress({ label: "sampling", total: loaded.rows.length * flags.samples });
      const sampled = await sampleResponses(loaded.rows, {
        client,
        store,
        samples: flags.samples,
        concurrency: flags.concurrency,
        onProgress: (done) => progress.update(done),
      }).finally(() => progress.stop());
      for (const failure of sampled.failures.slice(0, 5))
        process.stderr.write(`not sampled: ${failure.prompt_id} #${failure.sample}: ${failure.failure}\n`);
      if (sampled.failures.length > 0)
        process.stderr.write(`${sampled.failures.length} completions could not be sampled; those examples are not graded\n`);
      if (sampled.tasks.length === 0) throw new InputError({ file: flags.input }, "no completion could be sampled");
      await runGrading(sampled.tasks, flags, {
        kind: "eval",
        store,
        title: `HealthBench score of ${flags.modelName} on ${flags.input} (judge ${flags.judgeModel})`,
        otherUsage: [{ label: `model ${flags.modelName} (${sampled.cached} completions from cache)`, usage: client.usage() }],
      });
    } finally {
      await store.close();
    }
  });
}
