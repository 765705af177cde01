/** `medrubric grade`: grades given responses with an LLM judge, resumably; writes the graded rows. */
import type { Command } from "commander";
import { InputError } from "../core/errors.js";
import { loadExamples } from "../healthbench/load.js";
import { type HealthBenchExample, responseRowSchema } from "../healthbench/schema.js";
import { readJsonl } from "../io/jsonl.js";
import type { GradeTask } from "../judge/grade-run.js";
import { openStore } from "../store/open-store.js";
import { addGradingOptions, checkGradingOutputs, type GradingFlags, runGrading } from "./grading-session.js";

interface GradeFlags extends GradingFlags {
  data: string;
  responses: string;
  skipInvalid?: boolean;
}

export function registerGrade(program: Command): void {
  const command = program
    .command("grade")
    .description("grade responses against HealthBench-format rubrics with an LLM judge (cached, resumable)")
    .requiredOption("--data <file>", "examples: HealthBench JSONL (prompt_id, prompt, rubrics, example_tags)")
    .requiredOption("--responses <file>", 'responses: JSONL of {"prompt_id", "completion": [{"role", "content"}]}')
    .option("--skip-invalid", "skip examples that fail validation (counted on stderr)");
  addGradingOptions(command).action(async (flags: GradeFlags) => {
    await checkGradingOutputs(flags, [flags.data, flags.responses]);
    const tasks = await matchResponses(flags);
    const store = await openStore(flags);
    try {
      await runGrading(tasks, flags, {
        kind: "grade",
        store,
        title: `HealthBench score of ${flags.responses} (judge ${flags.judgeModel})`,
      });
    } finally {
      await store.close();
    }
  });
}

/** Pairs every response with its example; a response to an unknown prompt_id is an error. */
async function matchResponses(flags: GradeFlags): Promise<GradeTask[]> {
  const loaded = await loadExamples(flags.data, { skipInvalid: flags.skipInvalid ?? false });
  if (loaded.skipped.length > 0) process.stderr.write(`${flags.data}: skipped ${loaded.skipped.length} invalid examples\n`);
  const byId = new Map<string, HealthBenchExample[]>();
  for (const example of loaded.rows) byId.set(example.prompt_id, [...(byId.get(example.prompt_id) ?? []), example]);
  const tasks: GradeTask[] = [];
  const answered = new Set<string>();
  for await (const { value, line } of readJsonl(flags.responses, responseRowSchema)) {
    const examples = byId.get(value.prompt_id);
    if (!examples) throw new InputError({ file: flags.responses, line, field: "prompt_id" }, `${value.prompt_id} is not in ${flags.data}`);
    answered.add(value.prompt_id);
    for (const example of examples) tasks.push({ example, completion: value.completion });
  }
  const unanswered = byId.size - answered.size;
  if (unanswered > 0)
    process.stderr.write(`${flags.responses}: no response for ${unanswered} of ${byId.size} examples; they are not graded\n`);
  if (tasks.length === 0) throw new InputError({ file: flags.responses }, "no responses to grade");
  return tasks;
}
