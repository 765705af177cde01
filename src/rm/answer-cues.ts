/**
 * Cheap surface cues of an answer that the reward heads read beside the network: its length and
 * layout (a rubric grader rewards coverage, and coverage takes room), how much of the prompt it
 * speaks to, and whether it is degenerate (empty, a lone ":", a reasoning opener with nothing
 * after it, the question echoed, a bare refusal): the "master keys" that fool LLM judges and
 * naive reward models, which must never outscore a real answer.
 */
import { memo } from "../core/memo.js";
import { adviceOf, clausesOf, dropsWords, mayNameHelp, negates } from "./advice-edits.js";
import { type Vocabulary, type WordAxis, type WordWeights, weightedWords, wordCover, words, wordWeights } from "./word-evidence.js";

export interface AnswerCues {
  /** Stems of the answer's words. */
  stems: ReadonlySet<string>;
  /** Stems of its clauses that negate nothing: what it says, not what it rules out ("no need to go to the ER"). */
  affirmed: ReadonlySet<string>;
  /** log(1 + n) of clauses advising urgent help, and of clauses dismissing it (advice-edits.ts). */
  urgent: number;
  dismissed: number;
  /**
   * log((characters + 1) / 1000), clamped to the span of answers a grader sees (100 to 10,000
   * characters): a linear or squared length term fitted there must not run away on "Call 911 now."
   */
  logChars: number;
  /** log(1 + letters): a lone ":" has none. */
  logLetters: number;
  /** log(1 + n) of list items, headings, question marks and paragraphs. */
  lists: number;
  headings: number;
  questions: number;
  paragraphs: number;
  /** IDF-weighted share of the prompt's distinct stems found in the answer. */
  promptRecall: number;
  /** Share of the answer's distinct stems that occur in the prompt: 1 for an echo. */
  inPrompt: number;
  /** Share of sentences that repeat an earlier one. */
  repetition: number;
  /** The network's relevance of the answer to the prompt (largest prompt-part cosine); 0 when unread. */
  relevance: number;
  /** Too little text to answer anything, an opener with nothing after it, the question echoed, or a bare refusal. */
  degenerate: boolean;
  refusal: boolean;
}

/** The cues of no answer at all: what criterion-only features are read against. */
export const NO_CUES: AnswerCues = {
  stems: new Set(),
  affirmed: new Set(),
  urgent: 0,
  dismissed: 0,
  logChars: 0,
  logLetters: 0,
  lists: 0,
  headings: 0,
  questions: 0,
  paragraphs: 0,
  promptRecall: 0,
  inPrompt: 0,
  repetition: 0,
  relevance: 0,
  degenerate: false,
  refusal: false,
};

/** A crude English stemmer: enough that "calling" meets "call" and "advises" meets "advised". */
export function stem(word: string): string {
  let s = word;
  if (s.length >= 5 && s.endsWith("ies")) s = `${s.slice(0, -3)}y`;
  else if (s.length >= 6 && s.endsWith("ing")) s = s.slice(0, -3);
  else if (s.length >= 5 && s.endsWith("ed")) s = s.slice(0, -2);
  else if (s.length >= 4 && s.endsWith("s") && !/(ss|us|is)$/.test(s)) s = s.slice(0, -1);
  return s.length > 4 && s.endsWith("e") ? s.slice(0, -1) : s;
}

/** IDF weights of stems: a stem is as frequent as its most frequent word. */
export function stemWeights(vocabulary: Vocabulary): WordWeights {
  const df = new Map<string, number>();
  for (const [word, count] of vocabulary.words) {
    const s = stem(word);
    df.set(s, Math.max(df.get(s) ?? 0, count));
  }
  return wordWeights({ documents: vocabulary.documents, words: [...df] });
}

export const stems = (text: string): string[] => words(text).map(stem);

/** A prompt's distinct stems, as a set and weighted: what an answer's prompt recall (wordCover) reads. */
interface PromptStems extends WordAxis {
  stems: ReadonlySet<string>;
}

/** The many answers to one prompt (a reranking, an RL group) share its stems; kept per stem weights (a model's). */
const promptStemCaches = new WeakMap<WordWeights, (text: string) => PromptStems>();

function promptStemsOf(text: string, weights: WordWeights): PromptStems {
  let cache = promptStemCaches.get(weights);
  if (!cache) {
    cache = memo((prompt: string): PromptStems => {
      const distinct = new Set(stems(prompt));
      return { stems: distinct, ...weightedWords([...distinct], weights) };
    }, 1000);
    promptStemCaches.set(weights, cache);
  }
  return cache(text);
}

const REFUSAL = /\b(i'?m sorry|i am sorry|i can(?:no|')t (?:help|assist|provide)|i(?:'m| am) (?:unable|not able) to)\b/i;
const OPENER = /^(thought process|let'?s (solve|think|work)|solution|answer|step \d|sure|okay|ok)\b/i;
/** The clamp of logChars: answers of 100 to 10,000 characters. */
export const LENGTH_SPAN = Math.log(10);
/** Letters below which no answer can say anything a medical rubric asks for. */
const MIN_LETTERS = 12;

const logCount = (text: string, pattern: RegExp) => Math.log1p(text.match(pattern)?.length ?? 0);

/**
 * The number of letters (code units of \p{L} characters) in `text`, without building the text
 * less its other characters: ASCII is decided by its code, the rest by the pattern.
 */
function letterCount(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) n++;
      continue;
    }
    const point = text.codePointAt(i) as number;
    const units = point > 0xffff ? 2 : 1;
    if (LETTER.test(String.fromCodePoint(point))) n += units;
    i += units - 1;
  }
  return n;
}
const LETTER = /^\p{L}$/u;

/** The cues of `answer` to `promptText`; stem weights (stemWeights) make the prompt recall IDF-weighted. */
export function answerCues(answer: string, promptText: string, weights: WordWeights, relevance = 0): AnswerCues {
  const sentences = answer
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  // The sentences are the answer less spaces, so their stems in turn are the answer's, read once.
  const sentenceStems = sentences.map(stems);
  // Added in a loop: Array.prototype.flat costs more than the set itself.
  const answerStems = new Set<string>();
  for (const list of sentenceStems) for (const s of list) answerStems.add(s);
  const prompt = promptStemsOf(promptText, weights);
  const promptStems = prompt.stems;
  const letters = letterCount(answer);
  const advice = reading(sentences, sentenceStems, mayNameHelp(answer));
  const refusal = REFUSAL.test(answer) && answer.length < 400;
  const bareOpener = OPENER.test(answer.trim()) && letters < 80;
  let shared = 0;
  for (const s of answerStems) if (promptStems.has(s)) shared++;
  const inPrompt = answerStems.size === 0 ? 0 : shared / answerStems.size;
  // The question echoed: nearly every word of the answer is the prompt's.
  const echo = inPrompt >= 0.9 && answerStems.size >= 3;
  return {
    stems: answerStems,
    affirmed: advice.affirmed,
    urgent: Math.log1p(advice.urgent),
    dismissed: Math.log1p(advice.dismissed),
    logChars: Math.min(LENGTH_SPAN, Math.max(-LENGTH_SPAN, Math.log((answer.length + 1) / 1000))),
    logLetters: Math.log1p(letters),
    lists: logCount(answer, /^\s*(?:[-*•]|\d+[.)])\s+/gm),
    headings: logCount(answer, /^\s*(?:#{1,6}\s|\*\*[^*\n]+\*\*:?\s*$)/gm),
    questions: logCount(answer, /\?/g),
    paragraphs: logCount(answer, /\n\s*\n/g),
    promptRecall: wordCover(prompt, answerStems),
    inPrompt,
    repetition: sentences.length === 0 ? 0 : 1 - new Set(sentences.map((s) => s.toLowerCase())).size / sentences.length,
    relevance,
    degenerate: letters < MIN_LETTERS || bareOpener || refusal || echo || answer.trim().endsWith(":"),
    refusal,
  };
}

/**
 * What the sentences advise: urgent-help clauses either way (`namesHelp` false: none), and the
 * stems of the clauses that negate nothing. A sentence that negates nothing and drops no word
 * when split has its own stems for its clauses' (a clause's negation is the sentence's).
 */
function reading(
  sentences: readonly string[],
  sentenceStems: readonly string[][],
  namesHelp: boolean,
): { urgent: number; dismissed: number; affirmed: Set<string> } {
  const out = { urgent: 0, dismissed: 0, affirmed: new Set<string>() };
  sentences.forEach((sentence, i) => {
    if (namesHelp) {
      const { urgent, dismissed } = adviceOf(sentence);
      out.urgent += urgent;
      out.dismissed += dismissed;
    }
    if (!negates(sentence) && !dropsWords(sentence)) for (const s of sentenceStems[i] as string[]) out.affirmed.add(s);
    else for (const clause of clausesOf(sentence)) if (!negates(clause)) for (const s of stems(clause)) out.affirmed.add(s);
  });
  return out;
}
