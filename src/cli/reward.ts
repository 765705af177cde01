/** `medrubric reward` and `medrubric rerank`: per-dimension scores and rewards from a trained model. */
import type { Command } from "commander";
import { z } from "zod";
import { bestIndex } from "../core/best-index.js";
import { InputError } from "../core/errors.js";
import { conversationSchema } from "../core/types.js";
import { readJsonl, readJsonlValues, writeJsonl } from "../io/jsonl.js";
import { checkOutputFiles } from "../io/output-file.js";
import { integerInRange } from "./options.js";
import { addModelOptions, loadModelFromFlags, type ModelFlags } from "./rm-options.js";

const rewardItemSchema = z.object({
  id: z.union([z.string(), z.number()]),
  prompt: conversationSchema,
  response: z.string(),
  scenario: z.string().min(1).nullish(),
});

const candidatesSchema = z.object({
  id: z.union([z.string(), z.number()]),
  prompt: conversationSchema,
  responses: z.array(z.string()).min(1, "must have at least one response"),
  scenario: z.string().min(1).nullish(),
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

export function registerReward(program: Command): void {
  const reward = program
    .command("reward")
    .description('score answers on every dimension: {"id", "scores": {dimension: [0,1]}, "reward"} per row')
    .requiredOption("--input <file>", 'JSONL of {"id", "prompt": [messages], "response", "scenario"?}')
    .requiredOption("--out <file>", "scores (JSONL)");
  addModelOptions(reward).action(async (flags: IoFlags) => {
    await checkOutputFiles([flags.out], [flags.input]);
    const items = await readJsonlValues(flags.input, rewardItemSchema);
    const { model, store } = await loadModelFromFlags(flags);
    try {
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
    .requiredOption("--input <file>", 'JSONL of {"id", "prompt": [messages], "responses": [...], "scenario"?}')
    .requiredOption("--out <file>", "rewards and the best index (JSONL)");
  rerank.option(
    "--max-candidates <n>",
    `most responses in one row (default ${DEFAULT_MAX_CANDIDATES})`,
    integerInRange(1, 1_000_000),
    DEFAULT_MAX_CANDIDATES,
  );
  addModelOptions(rerank).action(async (flags: IoFlags & { maxCandidates: number }) => {
    await checkOutputFiles([flags.out], [flags.input]);
    const rows = await readCandidates(flags.input, flags.maxCandidates);
    const { model, store } = await loadModelFromFlags(flags);
    try {
      const flat = rows.flatMap((row) => row.responses.map((response) => ({ prompt: row.prompt, response, scenario: row.scenario })));
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
