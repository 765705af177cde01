/** `medrubric reward` and `medrubric rerank`: per-dimension scores and rewards from a trained model. */
import type { Command } from "commander";
import { z } from "zod";
import { bestIndex } from "../core/best-index.js";
import { InputError } from "../core/errors.js";
import { conversationSchema, requestRubricsSchema } from "../core/types.js";
import { readJsonl, writeJsonl } from "../io/jsonl.js";
import { checkOutputFiles } from "../io/output-file.js";
import { integerIn } from "./flag-ranges.js";
import { addModelOptions, loadModelFromFlags, type ModelFlags } from "./rm-options.js";

const rewardItemSchema = z.object({
  id: z.union([z.string(), z.number()]),
  prompt: conversationSchema,
  response: z.string(),
  scenario: z.string().min(1).nullish(),
  rubrics: requestRubricsSchema.nullish(),
});

const candidatesSchema = z.object({
  id: z.union([z.string(), z.number()]),
  prompt: conversationSchema,
  responses: z.array(z.string()).min(1, "must have at least one response"),
  scenario: z.string().min(1).nullish(),
  rubrics: requestRubricsSchema.nullish(),
});

export const DEFAULT_MAX_CANDIDATES = 4096;

/** Every row, each checked against the bound before any model is loaded or any text embedded. */
async function readCandidates(file: string, maxCandidates: number): Promise<z.output<typeof candidatesSchema>[]> {
  const rows: z.output<typeof candidatesSchema>[] = [];
  for await (const { value, line } of readJsonl(file, candidatesSchema)) {
    if (value.responses.length > maxCandidates)
      throw new InputError(
        { file, line, field: "responses" },
        `${value.responses.length} candidates, more than --max-candidates ${maxCandidates}`,
      );
    rows.push(value);
  }
  return rows;
}

interface IoFlags extends ModelFlags {
  input: string;
  out: string;
}

/**
 * The input's rows, each with a scenario the model weighs or none. Checked before scoring, so an
 * unknown scenario is bad input named by file and line, not a failure of the whole batch.
 */
async function readRows<S extends z.ZodType<{ scenario?: string | null }>>(file: string, schema: S, scenarios: readonly string[]) {
  const rows: z.output<S>[] = [];
  for await (const { value, line } of readJsonl(file, schema)) {
    if (value.scenario && !scenarios.includes(value.scenario))
      throw new InputError({ file, line, field: "scenario" }, `unknown scenario "${value.scenario}"; known: ${scenarios.join(", ")}`);
    rows.push(value);
  }
  return rows;
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
    const { model, store, scenarios } = await loadModelFromFlags(flags);
    try {
      const items = await readRows(flags.input, rewardItemSchema, scenarios);
      const scored = await model.score(items);
      await writeJsonl(
        flags.out,
        items.map((item, i) => ({ id: item.id, ...scored[i] })),
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
  rerank.option(
    "--max-candidates <n>",
    `most responses in one row (default ${DEFAULT_MAX_CANDIDATES})`,
    integerIn(1, 1_000_000),
    DEFAULT_MAX_CANDIDATES,
  );
  addModelOptions(rerank).action(async (flags: IoFlags & { maxCandidates: number }) => {
    await checkOutputFiles([flags.out], [flags.input]);
    const { model, store, scenarios } = await loadModelFromFlags(flags);
    try {
      const rows = await readRows(flags.input, candidatesSchema, scenarios);
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
