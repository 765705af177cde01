/** `medrubric rubrics generate`: HealthBench-format rubrics for prompts, written by an LLM from the standard. */
import type { Command } from "commander";
import { InputError } from "../core/errors.js";
import { promptRowSchema } from "../healthbench/schema.js";
import { readJsonlValues, writeJsonl } from "../io/jsonl.js";
import { checkOutputFiles } from "../io/output-file.js";
import { generateRubrics, type PromptRow } from "../rubricgen/generate-rubrics.js";
import { loadGeneratorPrompt } from "../rubricgen/rubric-generator.js";
import { createKeywordClassifier } from "../standards/keyword-classifier.js";
import { loadStandards } from "../standards/load-standards.js";
import { openStore, STORE_OPTION_HELP, storePath } from "../store/open-store.js";
import { deprecatedAlias } from "./cli-vocabulary.js";
import { integerIn } from "./flag-ranges.js";
import { formatUsage } from "./grading-session.js";
import { addLlmOptions, createClientFromFlags, GENERATOR } from "./llm-options.js";
import { createProgress } from "./progress.js";

interface GenerateFlags extends Record<string, unknown> {
  input: string;
  standard?: string[];
  out: string;
  store?: string;
  concurrency: number;
  maxRetries: number;
  generatorPrompt?: string;
  llmModel: string;
}

export function registerRubrics(program: Command): void {
  const rubrics = program.command("rubrics").description("rubrics from the medical standard");
  const generate = rubrics
    .command("generate")
    .description("write HealthBench-format rubric items for each prompt and its matrix cell with an LLM (cached, resumable)")
    .requiredOption("--input <file>", 'prompts: JSONL of {"prompt_id", "prompt": [messages], "example_tags"?}')
    .option("--standard <files...>", "standard files (default: the built-in; `builtin` names it)")
    .requiredOption("--out <file>", "examples with rubrics (HealthBench JSONL, each with its standards_hash)")
    .option("--store <file-or-url>", STORE_OPTION_HELP)
    .option("--concurrency <n>", "requests in flight at once", integerIn(1, 1024), 8)
    .option("--max-retries <n>", "times an unusable answer is asked again", integerIn(0, 10), 2)
    .option("--generator-prompt <file>", "generator prompt template (default: the bundled one)");
  deprecatedAlias(generate, "--data <file>", "--input");
  addLlmOptions(generate, GENERATOR).action(async (flags: GenerateFlags) => {
    await checkOutputFiles([flags.out], [flags.input, ...(flags.standard ?? []), flags.generatorPrompt, storePath(flags)]);
    const { standard, hash } = await loadStandards(flags.standard ?? []);
    const rows: PromptRow[] = await readJsonlValues(flags.input, promptRowSchema);
    if (rows.length === 0) throw new InputError({ file: flags.input }, "no prompts");
    const client = createClientFromFlags(flags, GENERATOR, flags.concurrency);
    const store = await openStore(flags);
    const progress = createProgress({ label: "rubrics", total: rows.length });
    try {
      const result = await generateRubrics(rows, {
        client,
        store,
        prompt: await loadGeneratorPrompt(flags.generatorPrompt),
        standard,
        standardsHash: hash,
        maxRetries: flags.maxRetries,
        classifier: createKeywordClassifier(standard),
        concurrency: flags.concurrency,
        onProgress: (done) => progress.update(done),
      }).finally(() => progress.stop());
      await writeJsonl(flags.out, result.examples);
      for (const { prompt_id, failure } of result.failures.slice(0, 5)) process.stderr.write(`no rubric for ${prompt_id}: ${failure}\n`);
      const { stats } = result;
      process.stdout.write(
        `rubrics: ${stats.prompts} prompts, ${stats.cached} from cache, ${stats.generated} generated, ${stats.failed} failed; ` +
          `dropped ${stats.nearDuplicatesDropped} near-duplicate items and ${stats.unknownDimensionsDropped} items of unknown dimensions\n` +
          `${formatUsage({ label: `generator ${flags.llmModel}`, usage: client.usage() })}\nstandard ${hash}\nwrote ${flags.out}\n`,
      );
    } finally {
      await store.close();
    }
  });
}
