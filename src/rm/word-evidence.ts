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
  const distinct = [...new Set(words(axisText))];
  const w = distinct.map((word) => weights.weight(word));
  return { words: distinct, weights: w, total: w.reduce((a, b) => a + b, 0) };
}

/** The weighted share of the axis text's distinct words that occur in the answer, in [0, 1]. */
export function wordCover(axis: WordAxis, answerWords: ReadonlySet<string>): number {
  let found = 0;
  axis.words.forEach((word, i) => {
    if (answerWords.has(word)) found += axis.weights[i] as number;
  });
  return axis.total > 0 ? found / axis.total : 0;
}
