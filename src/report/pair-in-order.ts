/**
 * Pairing two lists by a key, the rule the report uses to match answers across runs (and reward
 * rows to answers): the n-th item with a key in one list goes with the n-th item with that key in
 * the other, in list order; what is left over is in one list only. A prompt answered three times in
 * one run and twice in the other gives two pairs and one answer of the first run alone.
 */

export interface Pairing {
  /** Indices into the first and the second list, in the first list's order. */
  pairs: [number, number][];
  onlyFirst: number[];
  onlySecond: number[];
}

export function pairInOrder<A, B>(
  first: readonly A[],
  firstKey: (item: A) => string,
  second: readonly B[],
  secondKey: (item: B) => string,
): Pairing {
  const waiting = new Map<string, number[]>();
  second.forEach((item, j) => {
    const key = secondKey(item);
    const list = waiting.get(key);
    if (list) list.push(j);
    else waiting.set(key, [j]);
  });
  const pairs: [number, number][] = [];
  const onlyFirst: number[] = [];
  first.forEach((item, i) => {
    const j = waiting.get(firstKey(item))?.shift();
    if (j === undefined) onlyFirst.push(i);
    else pairs.push([i, j]);
  });
  const paired = new Set(pairs.map(([, j]) => j));
  const onlySecond = second.map((_, j) => j).filter((j) => !paired.has(j));
  return { pairs, onlyFirst, onlySecond };
}
