/**
 * Numeric flags with a declared range. A value outside it is a usage error (exit 64) naming the
 * flag, raised by commander while parsing, before any work starts: a batch size of 0 or a
 * validation share of 5 must never reach the trainer or the server. The range travels with the
 * parser, so help texts, the README table and the tests read the same declaration.
 */
import { InvalidArgumentError } from "commander";

export interface FlagRange {
  integer: boolean;
  min: number;
  max: number;
  /** The bound itself is outside the range (e.g. a learning rate > 0). */
  minExclusive?: boolean;
  maxExclusive?: boolean;
}

/** A commander argument parser that carries the range it enforces. */
export type RangedParser = ((value: string) => number) & { readonly range: FlagRange };

/** Largest seed the 32-bit seeded generator (core/random.ts) tells apart. */
export const MAX_SEED = 2 ** 32 - 1;

export function integerIn(min: number, max: number): RangedParser {
  return ranged({ integer: true, min, max });
}

export function numberIn(min: number, max: number, bounds: Pick<FlagRange, "minExclusive" | "maxExclusive"> = {}): RangedParser {
  return ranged({ integer: false, min, max, ...bounds });
}

function ranged(range: FlagRange): RangedParser {
  const parse = (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !inRange(n, range)) throw new InvalidArgumentError(`expected ${describeRange(range)}`);
    return n;
  };
  return Object.assign(parse, { range });
}

export function inRange(n: number, range: FlagRange): boolean {
  if (!Number.isFinite(n) || (range.integer && !Number.isInteger(n))) return false;
  const aboveMin = range.minExclusive ? n > range.min : n >= range.min;
  const belowMax = range.maxExclusive ? n < range.max : n <= range.max;
  return aboveMin && belowMax;
}

/** `an integer from 1 to 4096`, `a number > 0 and <= 1`. */
export function describeRange(range: FlagRange): string {
  const what = range.integer ? "an integer" : "a number";
  if (!range.minExclusive && !range.maxExclusive) return `${what} from ${formatBound(range.min)} to ${formatBound(range.max)}`;
  const low = `${range.minExclusive ? ">" : ">="} ${formatBound(range.min)}`;
  const high = `${range.maxExclusive ? "<" : "<="} ${formatBound(range.max)}`;
  return `${what} ${low} and ${high}`;
}

/** Bounds as people write them: 4294967295 stays exact, 1000000 reads 1,000,000. */
const formatBound = (n: number): string => (Number.isInteger(n) && Math.abs(n) >= 10_000 ? n.toLocaleString("en-US") : String(n));

export function rangeOf(parser: unknown): FlagRange | undefined {
  return typeof parser === "function" ? (parser as Partial<RangedParser>).range : undefined;
}
