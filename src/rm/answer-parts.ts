/**
 * How the model reads text: an answer as its parts (consecutive sentences packed into chunks of
 * at most PART_CHARS characters, so each is about what a rubric criterion asks about, and short
 * enough for a sentence encoder), the prompt as the whole conversation so far.
 */
import type { ChatMessage } from "../core/types.js";
import { splitIntoChunks } from "../encoders/chunked-encoder.js";
import { renderConversation } from "../llm/prompt-template.js";

/** Longest part, in characters: two or three sentences. */
export const PART_CHARS = 400;

/** Most parts read of one answer (about 19,000 characters); the rest of a longer answer is not read. */
export const DEFAULT_MAX_PARTS = 48;

export function answerParts(text: string, maxParts = DEFAULT_MAX_PARTS): string[] {
  const parts = splitIntoChunks(text, PART_CHARS).filter((part) => part.trim() !== "");
  return parts.length === 0 ? [text] : parts.slice(0, maxParts);
}

/** The text E(q) is computed from: the whole conversation so far. */
export const promptText = (prompt: readonly ChatMessage[]) => renderConversation(prompt);

/** Characters of the parts read. */
export const readLength = (parts: readonly string[]) => parts.reduce((n, part) => n + part.length, 0);
