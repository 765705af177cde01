/**
 * Hand-checked hot paths for the two schemas read from large files (the graded row and the
 * HealthBench example): each accepts exactly the rows its zod schema accepts and builds the same
 * output (unknown keys dropped, defaults filled, keys in the schema's order), about 5x faster.
 * On any doubt it returns undefined and the reader falls back to zod, which then gives its own
 * error messages, so no message changes. fast-validate.test.ts checks both agree, row by row.
 */
import type { ChatMessage, RubricItem, Verdict } from "../core/types.js";
import { type GradedExample, type HealthBenchExample, scoresStayFinite } from "./schema.js";

type Row = Record<string, unknown>;

const ROLES = new Set(["system", "developer", "user", "assistant"]);

function isRecord(value: unknown): value is Row {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function conversation(value: unknown): ChatMessage[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const out: ChatMessage[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const message = value[i];
    if (!isRecord(message)) return undefined;
    const { role, content } = message;
    if (typeof role !== "string" || !ROLES.has(role) || typeof content !== "string") return undefined;
    out[i] = { role: role as ChatMessage["role"], content };
  }
  return out;
}

function strings(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  for (const item of value) if (typeof item !== "string") return undefined;
  return value as string[];
}

/** A tag list: absent means [], and no tag may appear twice. */
function uniqueTags(value: unknown): string[] | undefined {
  if (value === undefined) return [];
  const tags = strings(value);
  return tags && new Set(tags).size === tags.length ? tags.slice() : undefined;
}

function rubrics(value: unknown): RubricItem[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const out: RubricItem[] = new Array(value.length);
  let positive = false;
  for (let i = 0; i < value.length; i++) {
    const item = value[i];
    if (!isRecord(item)) return undefined;
    const { criterion, points } = item;
    if (typeof criterion !== "string" || criterion.length === 0 || typeof points !== "number" || !Number.isFinite(points)) return undefined;
    const tags = uniqueTags(item.tags);
    if (!tags) return undefined;
    if (points > 0) positive = true;
    out[i] = { criterion, points, tags };
  }
  return positive && scoresStayFinite(out) ? out : undefined;
}

function verdicts(value: unknown): Verdict[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: Verdict[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const verdict = value[i];
    if (!isRecord(verdict)) return undefined;
    const { criteria_met, explanation, failure } = verdict;
    if (criteria_met !== null && typeof criteria_met !== "boolean") return undefined;
    if (explanation !== undefined && typeof explanation !== "string") return undefined;
    if (failure !== undefined && typeof failure !== "string") return undefined;
    const parsed: Verdict = { criteria_met, explanation: explanation ?? "" };
    if (failure !== undefined) parsed.failure = failure;
    out[i] = parsed;
  }
  return out;
}

type IdealCompletions = NonNullable<HealthBenchExample["ideal_completions_data"]>;

function idealCompletions(value: Row): IdealCompletions | undefined {
  const { ideal_completion, ideal_completions_group, ideal_completions_ref_completions } = value;
  if (typeof ideal_completion !== "string") return undefined;
  if (ideal_completions_group !== undefined && typeof ideal_completions_group !== "string") return undefined;
  const references = ideal_completions_ref_completions === undefined ? [] : strings(ideal_completions_ref_completions)?.slice();
  if (!references) return undefined;
  const out: IdealCompletions = { ideal_completion } as IdealCompletions;
  if (ideal_completions_group !== undefined) out.ideal_completions_group = ideal_completions_group;
  out.ideal_completions_ref_completions = references;
  return out;
}

/** `exampleSchema`'s output for a row it accepts, else undefined. */
export function fastExample(raw: unknown): HealthBenchExample | undefined {
  if (!isRecord(raw)) return undefined;
  const { prompt_id, canary } = raw;
  if (typeof prompt_id !== "string" || prompt_id.length === 0) return undefined;
  const prompt = conversation(raw.prompt);
  const items = prompt && rubrics(raw.rubrics);
  const tags = items && uniqueTags(raw.example_tags);
  if (!tags) return undefined;
  const out = { prompt_id, prompt, rubrics: items, example_tags: tags } as HealthBenchExample;
  if ("ideal_completions_data" in raw) {
    const ideal = raw.ideal_completions_data;
    if (ideal === null || ideal === undefined) out.ideal_completions_data = ideal;
    else {
      const parsed = isRecord(ideal) ? idealCompletions(ideal) : undefined;
      if (!parsed) return undefined;
      out.ideal_completions_data = parsed;
    }
  }
  if (canary !== undefined) {
    if (typeof canary !== "string") return undefined;
    out.canary = canary;
  }
  return out;
}

/** `gradedExampleSchema`'s output for a row it accepts, else undefined. */
export function fastGraded(raw: unknown): GradedExample | undefined {
  const example = fastExample(raw);
  if (!example) return undefined;
  const row = raw as Row;
  const completion = conversation(row.completion);
  if (!completion) return undefined;
  const { completion_id } = row;
  if (completion_id !== undefined && (typeof completion_id !== "string" || completion_id.length === 0)) return undefined;
  const graded = verdicts(row.verdicts);
  if (!graded || graded.length !== example.rubrics.length) return undefined;
  const out = example as GradedExample;
  out.completion = completion;
  if (completion_id !== undefined) out.completion_id = completion_id;
  out.verdicts = graded;
  return out;
}
