/**
 * Word-level evidence that an answer speaks to an axis text: the share of the text's words found
 * in the answer, each word weighted by its inverse document frequency over the training answers
 * (so "acetaminophen" counts and "the" does not). A sentence encoder blurs exactly these details,
 * which rubric criteria often turn on. The frequencies are part of the model (vocabulary.json).
 */
import { z } from "zod";

const WORD = /[\p{L}\p{N}]+/gu;

export const words = (text: string): string[] => text.toLowerCase().match(WORD) ?? [];

/** Most words a vocabulary keeps: the most frequent ones; rarer words get the largest weight anyway. */
export const MAX_VOCABULARY = 50_000;

export const vocabularySchema = z.object({
  documents: z.number().int().nonnegative(),
  /** [word, documents it occurs in], most frequent first. */
  words: z.array(z.tuple([z.string(), z.number().int().positive()])),
});
export type Vocabulary = z.infer<typeof vocabularySchema>;

export function buildVocabulary(documents: Iterable<string>): Vocabulary {
  const counts = new Map<string, number>();
  let n = 0;
  for (const document of documents) {
    n++;
    for (const word of new Set(words(document))) counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  const sorted = [...counts].filter(([, c]) => c > 1).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return { documents: n, words: sorted.slice(0, MAX_VOCABULARY) };
}

export interface WordWeights {
  /** Inverse document frequency; a word never seen in training weighs most. */
  weight(word: string): number;
}

export function wordWeights(vocabulary: Vocabulary): WordWeights {
  const df = new Map(vocabulary.words);
  const n = vocabulary.documents;
  return { weight: (word) => Math.log((n + 1) / ((df.get(word) ?? 0) + 1)) };
}

/** An axis text's distinct words with their weights: computed once per text, matched against many answers. */
export interface WordAxis {
  words: string[];
  weights: number[];
  total: number;
}

export function wordAxis(axisText: string, weights: WordWeights): WordAxis {
  return weightedWords([...new Set(words(axisText))], weights);
}

/** Distinct words (or stems) with their weights read once, in order, and the weights' sum. */
export function weightedWords(distinct: string[], weights: WordWeights): WordAxis {
  const w = distinct.map((word) => weights.weight(word));
  return { words: distinct, weights: w, total: w.reduce((a, b) => a + b, 0) };
}

/** The weighted share of the axis's distinct words that occur in the answer, in [0, 1]. */
export function wordCover(axis: WordAxis, answerWords: ReadonlySet<string>): number {
  let found = 0;
  axis.words.forEach((word, i) => {
    if (answerWords.has(word)) found += axis.weights[i] as number;
  });
  return axis.total > 0 ? found / axis.total : 0;
}

/**
 * The word covers of one answer along many axis texts at once: the axes' words indexed by word,
 * so each word of the answer is looked up once (no set of the answer's words is built). Each
 * cover sums its axis's words in order, as wordCover does, so it is the same to the last bit.
 */
export class CoverIndex {
  private readonly positions = new Map<string, number[]>();
  private readonly axes: { axis: WordAxis; from: number }[] = [];
  private found = new Uint8Array(64);
  private size = 0;
  private readonly touched: number[] = [];

  /** Adds an axis; returns its number. */
  add(axis: WordAxis): number {
    const from = this.size;
    axis.words.forEach((word, i) => {
      const list = this.positions.get(word);
      if (list) list.push(from + i);
      else this.positions.set(word, [from + i]);
    });
    this.size += axis.words.length;
    if (this.found.length < this.size) {
      const grown = new Uint8Array(2 * this.size);
      grown.set(this.found);
      this.found = grown;
    }
    this.axes.push({ axis, from });
    return this.axes.length - 1;
  }

  /** Reads the answer's words (in any order, repeats allowed); the covers read them until `clear`. */
  mark(answerWords: readonly string[]): void {
    for (const word of answerWords) {
      const list = this.positions.get(word);
      if (!list) continue;
      for (const at of list) {
        this.found[at] = 1;
        this.touched.push(at);
      }
    }
  }

  /** wordCover of axis `n` on the words marked. */
  cover(n: number): number {
    const { axis, from } = this.axes[n] as { axis: WordAxis; from: number };
    let found = 0;
    for (let i = 0; i < axis.words.length; i++) if (this.found[from + i] === 1) found += axis.weights[i] as number;
    return axis.total > 0 ? found / axis.total : 0;
  }

  clear(): void {
    for (const at of this.touched) this.found[at] = 0;
    this.touched.length = 0;
  }
}
