/** `medrubric grade`: grades given responses with an LLM judge, resumably; writes the graded rows. */
import type { Command } from "commander";
import { z } from "zod";
import { InputError } from "../core/errors.js";
import { loadExamples } from "../healthbench/load.js";
import { type HealthBenchExample, responseRowSchema } from "../healthbench/schema.js";
import { readJsonl } from "../io/jsonl.js";
import type { GradeTask } from "../judge/grade-run.js";
import { openStore } from "../store/open-store.js";
import { deprecatedAlias } from "./cli-vocabulary.js";
import { addGradingOptions, checkGradingOutputs, type GradingFlags, runGrading } from "./grading-session.js";
import { reportDropped } from "./score.js";

const promptIdSchema = z.looseObject({ prompt_id: z.string() });

interface GradeFlags extends GradingFlags {
  examples: string;
  input: string;
  skipInvalid?: boolean;
}

export function registerGrade(program: Command): void {
  const command = program
    .command("grade")
    .description("grade responses against HealthBench-format rubrics with an LLM judge (cached, resumable)")
    .requiredOption("--input <file>", 'the responses to grade: JSONL of {"prompt_id", "completion": [{"role", "content"}]}')
    .requiredOption(
      "--examples <file>",
      "the examples they answer, with their rubrics: HealthBench JSONL (prompt_id, prompt, rubrics, example_tags)",
    )
    .option("--skip-invalid", "skip examples that fail validation (counted on stderr)");
  deprecatedAlias(command, "--responses <file>", "--input");
  deprecatedAlias(command, "--data <file>", "--examples");
  addGradingOptions(command).action(async (flags: GradeFlags) => {
    await checkGradingOutputs(flags, [flags.examples, flags.input]);
    const tasks = await matchResponses(flags);
    const store = await openStore(flags);
    try {
      await runGrading(tasks, flags, {
        kind: "grade",
        store,
        title: `HealthBench score of ${flags.input} (judge ${flags.judgeModel})`,
      });
    } finally {
      await store.close();
    }
  });
}

/**
 * Pairs every response with its example. A response to an example skipped as invalid
 * (--skip-invalid) is skipped and counted; one to an unknown prompt_id is an error.
 */
async function matchResponses(flags: GradeFlags): Promise<GradeTask[]> {
  const loaded = await loadExamples(flags.examples, { skipInvalid: flags.skipInvalid ?? false });
  reportDropped(flags.examples, loaded, "same prompt_id and rubric set");
  const skippedIds = await promptIdsOf(flags.examples, new Set(loaded.skipped.map((error) => error.location.line)));
  let skippedAnswers = 0;
  const byId = new Map<string, HealthBenchExample[]>();
  for (const example of loaded.rows) byId.set(example.prompt_id, [...(byId.get(example.prompt_id) ?? []), example]);
  const tasks: GradeTask[] = [];
  const answered = new Set<string>();
  for await (const { value, line } of readJsonl(flags.input, responseRowSchema)) {
    const examples = byId.get(value.prompt_id);
    if (!examples && skippedIds.has(value.prompt_id)) {
      skippedAnswers++;
      continue;
    }
    if (!examples) throw new InputError({ file: flags.input, line, field: "prompt_id" }, `${value.prompt_id} is not in ${flags.examples}`);
    answered.add(value.prompt_id);
    for (const example of examples) tasks.push({ example, completion: value.completion });
  }
  if (skippedAnswers > 0)
    process.stderr.write(`${flags.input}: skipped ${skippedAnswers} responses to the invalid examples skipped above\n`);
  const unanswered = byId.size - answered.size;
  if (unanswered > 0) process.stderr.write(`${flags.input}: no response for ${unanswered} of ${byId.size} examples; they are not graded\n`);
  if (tasks.length === 0) throw new InputError({ file: flags.input }, "no responses to grade");
  return tasks;
}

/** The prompt ids of these lines of a JSONL file, where a line has one (a line skipped as invalid may not). */
async function promptIdsOf(file: string, lines: ReadonlySet<number | undefined>): Promise<Set<string>> {
  const ids = new Set<string>();
  if (lines.size === 0) return ids;
  for await (const { value, line } of readJsonl(file, promptIdSchema, { skipInvalid: true })) if (lines.has(line)) ids.add(value.prompt_id);
  return ids;
}
