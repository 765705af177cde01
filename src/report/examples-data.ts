/**
 * The data behind a report's Examples section: every graded answer of one run, or of two runs
 * paired by prompt id (pair-in-order.ts), with its conversation, rubric, verdicts, the judge's
 * explanations and, where given, the reward model's P(met) per criterion. Conversations, criteria
 * and rubrics recur across the answers to a prompt, so each is stored once and referred to by
 * index: the 4,532 answers of a real HealthBench Hard run then carry their 643 prompts once.
 */
import type { GradedExample } from "../healthbench/schema.js";
import { pairInOrder } from "./pair-in-order.js";

export interface GradedAnswers {
  rows: readonly GradedExample[];
  /** Each row's score; null when none of its positive items could be graded. */
  scores: readonly (number | null)[];
  /** The reward model's P(met) per criterion of each row, where given. */
  rewards?: readonly (readonly number[] | null)[];
}

export interface ExamplesRun {
  name: string;
  answers: GradedAnswers;
}

/** One answer as the page reads it (short keys: the page embeds thousands). */
interface AnswerData {
  /** conversation and rubric: indices into `convs` and `rubrics` */
  c: number;
  u: number;
  /** score, or null */
  s: number | null;
  /** verdict per rubric item: 1 met, 0 not met, -1 judge failure */
  v: number[];
  /** the reward model's P(met) per item, where given */
  r?: number[];
  /** this is answer n of `of` to its prompt in its run */
  n: number;
  of: number;
}

export type AnswerTexts = [[string, string][], string[]];

export interface ExamplesData {
  runs: { name: string; rewards: boolean }[];
  strings: string[];
  /** [criterion text, points, tags] with texts as indices into `strings` */
  criteria: [number, number, number[]][];
  rubrics: number[][];
  convs: [string, number][][];
  answers: AnswerData[];
  /**
   * The long texts of each answer, in the order of `answers`, apart: the page lists and filters
   * without them and reads them when a row is opened or a text searched. [the answer's turns as
   * [role, text], the judge's explanation per item (for a judge failure, what failed)]
   */
  texts: AnswerTexts[];
  /** [prompt id, example tags (indices into `strings`), answer of the first run, of the second run]; -1 for none */
  rows: [string, number[], number, number][];
}

/** Values stored once, each by its index. */
function table<T>(keyOf: (value: T) => string = String) {
  const index = new Map<string, number>();
  const values: T[] = [];
  const id = (value: T): number => {
    const key = keyOf(value);
    let i = index.get(key);
    if (i === undefined) {
      i = values.push(value) - 1;
      index.set(key, i);
    }
    return i;
  };
  return { values, id };
}

const verdictCode = (met: boolean | null) => (met === null ? -1 : met ? 1 : 0);

export interface ExamplesCounts {
  perRun: number[];
  paired: number;
  onlyFirst: number;
  onlySecond: number;
}

export function examplesData(runs: readonly ExamplesRun[]): { data: ExamplesData; counts: ExamplesCounts } {
  const strings = table<string>();
  const criteria = table<[number, number, number[]]>(JSON.stringify);
  const rubrics = table<number[]>(JSON.stringify);
  const convs = table<[string, number][]>(JSON.stringify);
  const answers: AnswerData[] = [];
  const texts: AnswerTexts[] = [];

  const answerIds = runs.map(({ answers: { rows, scores, rewards } }) => {
    const perPrompt = new Map<string, number>();
    const nth = rows.map((row) => {
      const n = (perPrompt.get(row.prompt_id) ?? 0) + 1;
      perPrompt.set(row.prompt_id, n);
      return n;
    });
    return rows.map((row, i) => {
      const r = rewards?.[i];
      texts.push([
        row.completion.map((m) => [m.role, m.content]),
        row.verdicts.map((v) => (v.criteria_met === null && v.failure ? v.failure : v.explanation)),
      ]);
      return (
        answers.push({
          c: convs.id(row.prompt.map((m) => [m.role, strings.id(m.content)])),
          u: rubrics.id(row.rubrics.map((item) => criteria.id([strings.id(item.criterion), item.points, item.tags.map(strings.id)]))),
          s: scores[i] ?? null,
          v: row.verdicts.map((v) => verdictCode(v.criteria_met)),
          ...(r ? { r: r.map((p) => Math.round(p * 1000) / 1000) } : {}),
          n: nth[i] as number,
          of: perPrompt.get(row.prompt_id) as number,
        }) - 1
      );
    });
  });

  const [first, second] = runs;
  const rowOf = (run: ExamplesRun, i: number, a: number, b: number): [string, number[], number, number] => {
    const row = run.answers.rows[i] as GradedExample;
    return [row.prompt_id, row.example_tags.map(strings.id), a, b];
  };
  const rows: [string, number[], number, number][] = [];
  const counts: ExamplesCounts = { perRun: runs.map((r) => r.answers.rows.length), paired: 0, onlyFirst: 0, onlySecond: 0 };
  const [ids1 = [], ids2 = []] = answerIds;
  if (first && second) {
    const key = (row: GradedExample) => row.prompt_id;
    const pairing = pairInOrder(first.answers.rows, key, second.answers.rows, key);
    for (const [i, j] of pairing.pairs) rows.push(rowOf(first, i, ids1[i] as number, ids2[j] as number));
    for (const i of pairing.onlyFirst) rows.push(rowOf(first, i, ids1[i] as number, -1));
    for (const j of pairing.onlySecond) rows.push(rowOf(second, j, -1, ids2[j] as number));
    Object.assign(counts, {
      paired: pairing.pairs.length,
      onlyFirst: pairing.onlyFirst.length,
      onlySecond: pairing.onlySecond.length,
    });
  } else if (first) {
    first.answers.rows.forEach((_, i) => {
      rows.push(rowOf(first, i, ids1[i] as number, -1));
    });
  }
  return {
    data: {
      runs: runs.map((r) => ({ name: r.name, rewards: r.answers.rewards?.some((x) => x !== null) ?? false })),
      strings: strings.values,
      criteria: criteria.values,
      rubrics: rubrics.values,
      convs: convs.values,
      answers,
      texts,
      rows,
    },
    counts,
  };
}
