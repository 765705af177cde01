/**
 * A seeded pseudo-random generator (mulberry32). Bootstrap statistics draw tens of millions
 * of indices, so the generator is a bare closure the JIT can inline; it is reproducible
 * across platforms because it uses only 32-bit integer arithmetic.
 */

/** Returns a function giving floats uniform in [0, 1), the same sequence for the same seed. */
export function createRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A copy of `items` in a seeded random order (Fisher-Yates). */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const random = createRng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * Items split by a key: a seeded `share` of the distinct keys, with every item carrying them, is
 * held out, so no key (a question, a prompt) is on both sides.
 */
export function seededSplitBy<T>(items: readonly T[], key: (item: T) => string, share: number, seed: number): { train: T[]; heldOut: T[] } {
  const keys = seededShuffle([...new Set(items.map(key))], seed);
  const held = new Set(keys.slice(0, Math.round(keys.length * share)));
  return { train: items.filter((item) => !held.has(key(item))), heldOut: items.filter((item) => held.has(key(item))) };
}
