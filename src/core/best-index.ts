/**
 * The index of the largest value, for best-of-N. A loop rather than
 * `values.indexOf(Math.max(...values))`: spreading ~125k arguments overflows the call stack.
 */

/** Index of the first largest value, NaN skipped; -1 when there is no number to compare. */
export function bestIndex(values: readonly number[]): number {
  let best = -1;
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (!Number.isNaN(value) && (best < 0 || value > (values[best] as number))) best = i;
  }
  return best;
}
