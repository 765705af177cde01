/**
 * The hybrid's per-rubric memory: for a new answer and one criterion of its prompt, the verdicts
 * the store holds for that criterion on other answers to the same prompt (from this server, other
 * replicas, earlier runs or `grade`: one criterion key for them all, verdict-key.ts), each weighed
 * by how close the answer it judged is to the new one. Answers are compared by their vectors from
 * a cheap encoder (GloVe by default), computed once per answer and kept in a bounded cache; the
 * texts of answers seen only by others come from the store (`gradedAnswers`).
 *
 * The weight of a verdict is exp(sharpness * (cos - 1)): 1 for the same text, falling as the
 * answers part (sharpness 0 counts every verdict alike). A verdict on this very answer (the same
 * conversation) is returned as `exact`: it is the cached verdict, not evidence to weigh.
 */
import type { Encoder, RubricItem } from "../core/types.js";
import type { VerdictStore } from "../store/store.js";
import type { VerdictKeys } from "./verdict-key.js";

type Criterion = Pick<RubricItem, "points" | "criterion">;

/** What the memory knows about one criterion of one new answer. */
export interface MemoryEvidence {
  /** The criterion's key (verdict-key.ts): the same for every answer to the prompt. */
  key: string;
  /** Weighted count of verdicts "met" on other answers to the prompt. */
  met: number;
  /** Weighted count of all those verdicts. */
  weight: number;
  /** How many verdicts (unweighted). */
  count: number;
  /** This very answer's verdict, when the store has it. */
  exact?: boolean;
}

export interface MemoryQuestion {
  keys: VerdictKeys;
  /** The answer's text, as verdict-key.ts's answerText gives it. */
  text: string;
  items: readonly Criterion[];
}

export interface VerdictMemoryOptions {
  store: Pick<VerdictStore, "criterionVerdicts" | "gradedAnswers">;
  encoder: Encoder;
  /** Verdicts read per criterion at most, newest first. */
  limit: number;
  /** How fast a verdict's weight falls as its answer moves away from the new one. */
  sharpness: number;
  /** Answer vectors kept at most (oldest dropped first). */
  maxVectors: number;
}

export interface VerdictMemory {
  evidence(questions: readonly MemoryQuestion[]): Promise<MemoryEvidence[][]>;
}

export function createVerdictMemory(options: VerdictMemoryOptions): VerdictMemory {
  const { store, encoder, limit, sharpness } = options;
  const vectors = new Map<string, Float32Array>();

  const remember = (hash: string, vector: Float32Array) => {
    vectors.delete(hash);
    vectors.set(hash, vector);
    // A Map iterates in insertion order, so its first key is the least recently stored.
    while (vectors.size > options.maxVectors) vectors.delete(vectors.keys().next().value as string);
  };

  /** Vectors for every hash in `texts` (embedding those not cached), and for those the store knows. */
  const vectorsOf = async (own: Map<string, string>, others: readonly string[]) => {
    const unknown = others.filter((hash) => !vectors.has(hash) && !own.has(hash));
    const stored = unknown.length > 0 ? await store.gradedAnswers(unknown) : new Map<string, string>();
    const texts = new Map([...own, ...stored].filter(([hash]) => !vectors.has(hash)));
    const embedded = texts.size > 0 ? await encoder.embed([...texts.values()]) : [];
    [...texts.keys()].forEach((hash, i) => {
      remember(hash, embedded[i] as Float32Array);
    });
  };

  return {
    async evidence(questions) {
      const keys = questions.map((q) => q.items.map((item) => q.keys.criterionKey(item)));
      const recorded = await store.criterionVerdicts([...new Set(keys.flat())], limit);
      const others = new Set<string>();
      for (const list of recorded.values()) for (const v of list) others.add(v.conversationHash);
      const own = new Map(questions.map((q) => [q.keys.conversationHash(), q.text]));
      await vectorsOf(own, [...others]);
      return questions.map((q, a) => {
        const hash = q.keys.conversationHash();
        const mine = vectors.get(hash) as Float32Array;
        return (keys[a] as string[]).map((key) => {
          const found: MemoryEvidence = { key, met: 0, weight: 0, count: 0 };
          for (const v of recorded.get(key) ?? []) {
            if (v.conversationHash === hash) {
              found.exact = v.criteria_met;
              continue;
            }
            const theirs = vectors.get(v.conversationHash);
            // An answer the store no longer has the text of counts as far away as any.
            const w = theirs ? Math.exp(sharpness * (dot(mine, theirs) - 1)) : Math.exp(-sharpness);
            found.met += v.criteria_met ? w : 0;
            found.weight += w;
            found.count++;
          }
          return found;
        });
      });
    },
  };
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}
