/** `medrubric reward` and `medrubric rerank`: per-dimension scores and rewards from a trained model. */
import type { Command } from "commander";
import { z } from "zod";
import { bestIndex } from "../core/best-index.js";
import { InputError } from "../core/errors.js";
import { conversationSchema, type RewardScore, requestRubricsSchema } from "../core/types.js";
import { readJsonl, writeJsonl } from "../io/jsonl.js";
import { checkOutputFiles } from "../io/output-file.js";
import type { RewardOutputRow } from "../rm/reward-output.js";
import { integerIn } from "./flag-ranges.js";
import { addModelOptions, loadModelFromFlags, type ModelFlags } from "./rm-options.js";

const idSchema = z.union([z.string(), z.number()], { error: "expected a string or a number" });

/**
 * A graded row (HealthBench's judged-response shape) is the likeliest wrong input here: it is
 * named as such, with the command that does read it, instead of a list of missing fields.
 */
const notGraded = (wants: string) =>
  z.unknown().superRefine((raw, ctx) => {
    if (raw !== null && typeof raw === "object" && "completion" in raw && !("response" in raw) && !("responses" in raw))
      ctx.addIssue({
        code: "custom",
        path: ["completion"],
        message: `this is a graded row (prompt_id, completion, verdicts); this command reads ${wants}. To see how a model scores graded answers, run \`medrubric rm-eval --model DIR --graded FILE --out report.json\``,
      });
  });

const rewardItemSchema = notGraded('{"id", "prompt": [messages], "response": "text", "rubrics"?}').pipe(
  z.object({
    id: idSchema,
    prompt: conversationSchema,
    response: z.string(),
    scenario: z.string().min(1).nullish(),
    rubrics: requestRubricsSchema.nullish(),
  }),
);

const candidatesSchema = notGraded('{"id", "prompt": [messages], "responses": ["text", ...], "rubrics"?}').pipe(
  z.object({
    id: idSchema,
    prompt: conversationSchema,
    responses: z.array(z.string()).min(1, "must have at least one response"),
    scenario: z.string().min(1).nullish(),
    rubrics: requestRubricsSchema.nullish(),
  }),
);

export const DEFAULT_MAX_CANDIDATES = 4096;

interface IoFlags extends ModelFlags {
  input: string;
  out: string;
}

/** The input's rows with their lines, each passing `check` (a problem with a row's field is bad input naming its line). */
async function readRows<S extends z.ZodType>(
  file: string,
  schema: S,
  check: (value: z.output<S>) => { field: string; problem: string } | null = () => null,
): Promise<{ value: z.output<S>; line: number }[]> {
  const rows: { value: z.output<S>; line: number }[] = [];
  for await (const row of readJsonl(file, schema)) {
    const problem = check(row.value);
    if (problem) throw new InputError({ file, line: row.line, field: problem.field }, problem.problem);
    rows.push(row);
  }
  return rows;
}

/**
 * Every row has a scenario the model weighs, or none. Checked before scoring, so an unknown
 * scenario is bad input named by file and line, not a failure of the whole batch.
 */
function checkScenarios(
  file: string,
  rows: readonly { value: { scenario?: string | null }; line: number }[],
  scenarios: readonly string[],
) {
  for (const { value, line } of rows) {
    if (value.scenario && !scenarios.includes(value.scenario))
      throw new InputError({ file, line, field: "scenario" }, `unknown scenario "${value.scenario}"; known: ${scenarios.join(", ")}`);
  }
}

export function registerReward(program: Command): void {
  const reward = program
    .command("reward")
    .description(
      'score answers on every dimension, and on their own rubric when a row has one: {"id", "scores": {dimension: [0,1]}, "reward", "criteria"?} per row',
    )
    .requiredOption(
      "--input <file>",
      'JSONL of {"id", "prompt": [messages], "response", "scenario"?, "rubrics"?: [{"criterion", "points"}]}',
    )
    .requiredOption("--out <file>", "scores (JSONL)");
  addModelOptions(reward).action(async (flags: IoFlags) => {
    await checkOutputFiles([flags.out], [flags.input]);
    const rows = await readRows(flags.input, rewardItemSchema);
    const { model, store, scenarios } = await loadModelFromFlags(flags);
    try {
      checkScenarios(flags.input, rows, scenarios);
      const items = rows.map((row) => row.value);
      const scored = await model.score(items);
      await writeJsonl(
        flags.out,
        items.map((item, i): RewardOutputRow => ({ id: item.id, ...(scored[i] as RewardScore) })),
      );
      process.stdout.write(`scored ${items.length} answers on ${model.dimensions.length} dimensions; wrote ${flags.out}\n`);
    } finally {
      store.close();
    }
  });

  const rerank = program
    .command("rerank")
    .description('best-of-N: {"id", "rewards": [...], "best": index} per row')
    .requiredOption("--input <file>", 'JSONL of {"id", "prompt": [messages], "responses": [...], "scenario"?, "rubrics"?}')
    .requiredOption("--out <file>", "rewards and the best index (JSONL)");
  rerank.option("--max-candidates <n>", "most responses in one row", integerIn(1, 1_000_000), DEFAULT_MAX_CANDIDATES);
  addModelOptions(rerank).action(async (flags: IoFlags & { maxCandidates: number }) => {
    await checkOutputFiles([flags.out], [flags.input]);
    // The bound is checked before the model loads or any text is embedded.
    const lines = await readRows(flags.input, candidatesSchema, ({ responses }) =>
      responses.length > flags.maxCandidates
        ? { field: "responses", problem: `${responses.length} candidates, more than --max-candidates ${flags.maxCandidates}` }
        : null,
    );
    const { model, store, scenarios } = await loadModelFromFlags(flags);
    try {
      checkScenarios(flags.input, lines, scenarios);
      const rows = lines.map((row) => row.value);
      const flat = rows.flatMap((row) =>
        row.responses.map((response) => ({ prompt: row.prompt, response, scenario: row.scenario, rubrics: row.rubrics })),
      );
      const scored = await model.score(flat);
      let offset = 0;
      const out = rows.map((row) => {
        const rewards = scored.slice(offset, offset + row.responses.length).map((s) => s.reward);
        offset += row.responses.length;
        return { id: row.id, rewards, best: bestIndex(rewards) };
      });
      await writeJsonl(flags.out, out);
      process.stdout.write(`reranked ${rows.length} prompts (${flat.length} candidates); wrote ${flags.out}\n`);
    } finally {
      store.close();
    }
  });
}
