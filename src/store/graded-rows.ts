/**
 * The graded rows a store gives back for training (`Store.gradedRows`), put together the same way
 * by both backends: each runs its own SQL for the verdicts, the prompts and the answers, and this
 * module groups them. The prompt's messages and a criterion's tags are JSON columns; one zod
 * schema each, used by the writers (`encodeMessages`, `encodeTags`) and the reader, so a store
 * whose JSON was damaged says where, rather than training on it.
 */
import { z } from "zod";
import { InputError } from "../core/errors.js";
import { type ChatMessage, conversationSchema } from "../core/types.js";
import type { GradedCriterion, StoredGradedAnswer } from "./store.js";

const messagesSchema = conversationSchema;
const tagsSchema = z.array(z.string());

export const encodeMessages = (messages: readonly ChatMessage[]): string => JSON.stringify(messagesSchema.parse(messages));
export const encodeTags = (tags: readonly string[]): string => JSON.stringify(tagsSchema.parse(tags));

function decodeJson<T>(schema: z.ZodType<T>, text: string, where: { file: string; field: string }): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(where, `not JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InputError(where, parsed.error.issues[0]?.message ?? "invalid");
  return parsed.data;
}

/** A criterion's identity within a prompt's rubric: its points and text (the same text may carry other points). */
export const criterionId = (item: { points: number; criterion: string }) => JSON.stringify([item.points, item.criterion]);

/** A verdict row as both backends select it, newest first within an answer. */
export interface GradedVerdictRow {
  prompt_hash: string;
  conversation_hash: string;
  criterion: string;
  points: number;
  tags: string | null;
  criteria_met: boolean;
}

export interface PromptRow {
  prompt_hash: string;
  prompt_id: string | null;
  messages: string;
}

/**
 * The answers of `verdicts` (ordered by prompt hash, then conversation hash, newest first), each
 * with its prompt and text; a criterion judged twice (two judges matched) keeps the newest verdict.
 * Answers whose prompt or text the store no longer has are left out.
 */
export function assembleGradedRows(
  location: string,
  verdicts: readonly GradedVerdictRow[],
  prompts: readonly PromptRow[],
  answers: ReadonlyMap<string, string>,
): StoredGradedAnswer[] {
  const promptOf = new Map(prompts.map((row) => [row.prompt_hash, row]));
  const decoded = new Map<string, { promptId: string | null; prompt: ChatMessage[] }>();
  const rows: StoredGradedAnswer[] = [];
  let current: StoredGradedAnswer | undefined;
  let seen = new Set<string>();
  for (const v of verdicts) {
    if (current?.conversationHash !== v.conversation_hash) {
      const answer = answers.get(v.conversation_hash);
      const prompt = promptOf.get(v.prompt_hash);
      if (answer === undefined || prompt === undefined) {
        current = undefined;
        continue;
      }
      if (!decoded.has(v.prompt_hash)) {
        const field = `graded_prompts[${v.prompt_hash}].messages`;
        decoded.set(v.prompt_hash, {
          promptId: prompt.prompt_id,
          prompt: decodeJson(messagesSchema, prompt.messages, { file: location, field }),
        });
      }
      const { promptId, prompt: messages } = decoded.get(v.prompt_hash) as { promptId: string | null; prompt: ChatMessage[] };
      current = { promptHash: v.prompt_hash, promptId, prompt: messages, conversationHash: v.conversation_hash, answer, verdicts: [] };
      seen = new Set();
      rows.push(current);
    }
    if (!current) continue;
    const criterion = criterionId(v);
    if (seen.has(criterion)) continue;
    seen.add(criterion);
    const tags = v.tags === null ? [] : decodeJson(tagsSchema, v.tags, { file: location, field: `verdict_cache[${criterion}].tags` });
    const item: GradedCriterion = { criterion: v.criterion, points: v.points, tags, criteria_met: v.criteria_met };
    current.verdicts.push(item);
  }
  return rows;
}
