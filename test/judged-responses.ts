/**
 * Graded runs to replay: the bundled demo run (data/demo/graded.jsonl, in every checkout) and the
 * recorded HealthBench run of ../shared/data/healthbench/judged_responses.jsonl (CC BY-NC: read at
 * test time, never copied into the project, absent from a user's clone); split into the examples
 * and responses files `medrubric grade` reads, and a stand-in judge that replays their verdicts.
 */
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ChatCompletionBody } from "./openai-standin.js";
import { realDataFile } from "./shared-data.js";

export interface RecordedRow {
  prompt_id: string;
  prompt: { role: string; content: string }[];
  example_tags: string[];
  rubrics: { criterion: string; points: number; tags: string[] }[];
  completion: { role: string; content: string }[];
  verdicts: { criteria_met: boolean; explanation: string }[];
  score: number;
  metrics: Record<string, number>;
}

export const recordedFile = realDataFile("judged_responses.jsonl");
export const demoFile = "data/demo/graded.jsonl";

/** The first `limit` rows of the recorded HealthBench run; [] when it is not there. */
export function recordedRows(limit?: number): RecordedRow[] {
  return recordedFile ? readRows(recordedFile).slice(0, limit) : [];
}

/**
 * The first `limit` rows of the bundled demo run. Its rows store no score: each gets the
 * HealthBench example score worked out here from its verdicts (met points over positive points,
 * to 10 decimals as HealthBench stores it), independently of src/healthbench.
 */
export function demoRows(limit?: number): RecordedRow[] {
  return readRows(demoFile)
    .slice(0, limit)
    .map((row) => {
      const met = row.rubrics.reduce((sum, item, i) => sum + (row.verdicts[i]?.criteria_met ? item.points : 0), 0);
      const positive = row.rubrics.reduce((sum, item) => sum + Math.max(item.points, 0), 0);
      return { ...row, score: Number((met / positive).toFixed(10)), metrics: {} };
    });
}

function readRows(file: string): RecordedRow[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as RecordedRow);
}

/** Writes examples.jsonl and responses.jsonl into `dir`; returns their paths. */
export async function writeGradingInputs(rows: readonly RecordedRow[], dir: string): Promise<{ data: string; responses: string }> {
  const data = join(dir, "examples.jsonl");
  const responses = join(dir, "responses.jsonl");
  const jsonl = (values: unknown[]) => `${values.map((v) => JSON.stringify(v)).join("\n")}\n`;
  await writeFile(data, jsonl(rows.map(({ prompt_id, prompt, example_tags, rubrics }) => ({ prompt_id, prompt, example_tags, rubrics }))));
  await writeFile(responses, jsonl(rows.map(({ prompt_id, completion }) => ({ prompt_id, completion }))));
  return { data, responses };
}

/** The grader prompt's text and the recorded row whose response it contains verbatim (the longest such). */
function recordedRowOf(rows: readonly RecordedRow[], body: ChatCompletionBody): { prompt: string; row: RecordedRow } {
  const prompt = body.messages.map((m) => m.content).join("\n");
  const row = longest(
    rows.filter((r) => prompt.includes(responseText(r))),
    responseText,
  );
  if (!row) throw new Error("no recorded response appears verbatim in the grader prompt");
  return { prompt, row };
}

/**
 * A chat handler answering every grader request with the recorded verdict: the row is the one
 * whose response text the prompt contains, the item the one whose `[points] criterion` it contains
 * (both must be there verbatim). Throws (a 500 from the stand-in) when either is missing.
 */
export function replayJudge(rows: readonly RecordedRow[]): (body: ChatCompletionBody) => string {
  return (body) => {
    const { prompt, row } = recordedRowOf(rows, body);
    const items = row.rubrics
      .map((item, i) => ({ text: `[${item.points}] ${item.criterion}`, i }))
      .filter(({ text }) => prompt.includes(text));
    const item = longest(items, ({ text }) => text);
    if (!item) throw new Error(`no rubric item of ${row.prompt_id} appears verbatim in the grader prompt`);
    const verdict = row.verdicts[item.i];
    return JSON.stringify({ explanation: verdict?.explanation, criteria_met: verdict?.criteria_met });
  };
}

/** replayJudge for the whole-rubric grader prompt (`--judge-style rubric`): every numbered item's recorded verdict, in one reply. */
export function replayRubricJudge(rows: readonly RecordedRow[]): (body: ChatCompletionBody) => string {
  return (body) => {
    const { prompt, row } = recordedRowOf(rows, body);
    const listed = prompt.slice(prompt.indexOf("# Rubric items"), prompt.indexOf("# How to grade"));
    const verdicts = [...listed.matchAll(/^(\d+)\. (.*)$/gm)].map(([, item, text]) => {
      const i = row.rubrics.findIndex((r) => `[${r.points}] ${r.criterion}` === text);
      if (i < 0) throw new Error(`item ${item} is no rubric item of ${row.prompt_id}`);
      const verdict = row.verdicts[i];
      return { item: Number(item), explanation: verdict?.explanation, criteria_met: verdict?.criteria_met };
    });
    return JSON.stringify({ verdicts });
  };
}

export const responseText = (row: RecordedRow): string => row.completion.map((m) => m.content).join("\n");

function longest<T>(values: T[], text: (value: T) => string): T | undefined {
  return values.reduce<T | undefined>((best, v) => (best === undefined || text(v).length > text(best).length ? v : best), undefined);
}
