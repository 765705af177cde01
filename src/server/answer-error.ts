/**
 * The reward error of one answer whose criteria the hybrid partly decides without the judge, as a
 * whole rather than criterion by criterion. The decided criteria's true points T = sum of points_i
 * y_i (y_i ~ Bernoulli(P(met)_i), independent given what the server knew) have an exact discrete
 * distribution (a convolution; HealthBench points are small integers, so it has few values); the
 * reward counts V = sum of points_i credit_i for them, credit_i the verdict (1 or 0) of a criterion
 * the server is sure of and P(met)_i of one it is not (a soft decision); the answer's error is
 * |T - V| / the rubric's positive total, and its expectation E|T - V| is exact under independence.
 *
 * Why not the sum of each criterion's expected error: errors of opposite sign cancel within an
 * answer, and a soft credit's error is zero on average, so E|T - V| grows like the square root of
 * the summed variances where the sum of P(wrong) x cost grows linearly. With one criterion a hard
 * verdict is better (the median minimises an absolute error), which is why credits stay hard below
 * a doubt of `hardDoubt`.
 *
 * `choose` orders an answer's candidates greedily (each step adds the one that raises the expected
 * error least) and returns the curve err_0 = 0, err_1, ..., err_n; the error budget decides the k
 * that maximises k * threshold - err_k (error-budget.ts), so `threshold` keeps its meaning: the
 * largest expected error accepted per judge call saved.
 */

/** One criterion the hybrid could decide: its P(met) and its signed points. */
export interface Candidate {
  p: number;
  points: number;
}

/** The share of a decided criterion's points the reward counts: its verdict when sure, else P(met). */
export const creditOf = (p: number, hardDoubt: number): number => (Math.min(p, 1 - p) <= hardDoubt ? (p >= 0.5 ? 1 : 0) : p);

/** A discrete distribution of points: value -> probability (values rounded so that equal sums meet). */
type Distribution = Map<number, number>;

const key = (x: number) => Math.round(x * 1e6) / 1e6;
/** Beyond this many values the distribution is put on a coarser grid (only odd, non-integer points get there). */
const MAX_VALUES = 4096;

function add(d: Distribution, c: Candidate): Distribution {
  const out: Distribution = new Map();
  for (const [value, prob] of d) {
    const met = key(value + c.points);
    out.set(met, (out.get(met) ?? 0) + prob * c.p);
    out.set(value, (out.get(value) ?? 0) + prob * (1 - c.p));
  }
  return out.size > MAX_VALUES ? coarsen(out) : out;
}

function coarsen(d: Distribution): Distribution {
  const values = [...d.keys()];
  const step = (Math.max(...values) - Math.min(...values)) / (MAX_VALUES / 2);
  const out: Distribution = new Map();
  for (const [value, prob] of d) {
    const v = key(Math.round(value / step) * step);
    out.set(v, (out.get(v) ?? 0) + prob);
  }
  return out;
}

/** E|T - v| and E(T - v)^2. */
function moments(d: Distribution, v: number): { abs: number; square: number } {
  let abs = 0;
  let square = 0;
  for (const [value, prob] of d) {
    abs += prob * Math.abs(value - v);
    square += prob * (value - v) ** 2;
  }
  return { abs, square };
}

/** One step of an answer's curve: the candidate added, and the expected |error| and squared error of the decided set so far (reward units). */
export interface CurveStep {
  index: number;
  error: number;
  square: number;
  /** The most the decided set's error can be: every criterion's credit as far as it can be from its verdict. */
  worst: number;
}

/**
 * The greedy order of `candidates` and the expected error of deciding the first k of them, k = 1..n
 * (reward units: points over `positiveTotal`).
 */
export function errorCurve(candidates: readonly Candidate[], positiveTotal: number, hardDoubt: number): CurveStep[] {
  let dist: Distribution = new Map([[0, 1]]);
  let credited = 0;
  let worst = 0;
  const left = new Set(candidates.map((_, i) => i));
  const curve: CurveStep[] = [];
  while (left.size > 0) {
    let best: { index: number; dist: Distribution; credited: number; abs: number; square: number } | undefined;
    for (const i of left) {
      const c = candidates[i] as Candidate;
      const next = add(dist, c);
      const v = credited + c.points * creditOf(c.p, hardDoubt);
      const m = moments(next, v);
      if (!best || m.abs < best.abs) best = { index: i, dist: next, credited: v, ...m };
    }
    const chosen = best as NonNullable<typeof best>;
    left.delete(chosen.index);
    dist = chosen.dist;
    credited = chosen.credited;
    const c = candidates[chosen.index] as Candidate;
    const credit = creditOf(c.p, hardDoubt);
    worst += Math.abs(c.points) * Math.max(credit, 1 - credit);
    curve.push({
      index: chosen.index,
      error: chosen.abs / positiveTotal,
      square: chosen.square / positiveTotal ** 2,
      worst: worst / positiveTotal,
    });
  }
  return curve;
}

/** How many of the curve's criteria to decide at `threshold`: the k maximising k * threshold - err_k (0 when none pays). */
export function chosenCount(curve: readonly CurveStep[], threshold: number): number {
  let best = 0;
  let bestGain = 0;
  curve.forEach((step, i) => {
    const gain = (i + 1) * threshold - step.error;
    if (gain > bestGain + 1e-15) {
      best = i + 1;
      bestGain = gain;
    }
  });
  return best;
}

/** The decided set's true error on an audited answer: |sum of points_i (y_i - credit_i)| over the positive total. */
export function actualError(decided: readonly { points: number; credit: number; met: boolean }[], positiveTotal: number): number {
  return Math.abs(decided.reduce((s, d) => s + d.points * ((d.met ? 1 : 0) - d.credit), 0)) / positiveTotal;
}
