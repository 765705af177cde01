/**
 * The hybrid's P(met) for one criterion of one answer: a logistic combination, fitted online, of
 * the reward model's P(met) (when there is one) and the per-rubric memory's evidence (the
 * similarity-weighted verdicts on other answers to the same prompt):
 *
 *   logit P(met) = w . [1, positive, one-hot state, lean if mixed, logit p_model by kind of state]
 *
 * The state is what the verdicts so far say: none yet; mixed (with lean r = 2 * met / weight - 1,
 * similarity-weighted); or all agreeing, by direction (met, not met), the criterion's sign and how
 * many agreed (1, 2, 3-4, 5-7, 8 or more). A criterion judged the same on every answer so far is
 * the common case (56-58% of a HealthBench Hard prompt's criteria are), and how far to trust that
 * grows with how many answers agreed, but not without end: on the training folds of the shared
 * graded file the next verdict agreed after 2, 4 and 8 agreeing ones 0.87, 0.94 and 0.97 of the
 * time (the grader's own noise), and differently for met and not met; so each state gets its own
 * weight (a table, shrunk toward the sign's base rate) rather than a slope that would promise more. The weights are fitted by ridge-regularised Newton steps
 * (IRLS) on the judge verdicts seen while serving, each described by what the memory held when it
 * was predicted: the predictive likelihood of exactly the number the server decides with, so where
 * it says 0.95 it is right about 0.95 of the time (bench/hybrid.bench.ts measures it). Audited
 * verdicts count 1 / audit rate times, standing for the decided criteria nobody checked, which
 * would otherwise be missing from the fit.
 */

/** What the server knew when it predicted one criterion's verdict. */
export interface Evidence {
  /** The model's P(met), or null without a model. */
  pModel: number | null;
  positive: boolean;
  met: number;
  weight: number;
  count: number;
}

/** One judge verdict and its evidence; `importance`: how many criteria it stands for. */
export interface Observation extends Evidence {
  y: boolean;
  importance: number;
}

export type CalibrationParams = number[];

const BANDS: [number, number][] = [
  [1, 1],
  [2, 2],
  [3, 4],
  [5, 7],
  [8, Number.POSITIVE_INFINITY],
];
/** 1, positive, 20 agreeing states (sign x direction x band), lean, and the model's logit when none, mixed, agreeing. */
const FEATURES = 2 + 4 * BANDS.length + 1 + 3;
const EPS = 1e-4;
const RIDGE = 1;

/** Before any fit: the model's P(met) as it is, the memory's lean as a mild vote. */
export const INITIAL_PARAMS: CalibrationParams = Array.from({ length: FEATURES }, (_, i) => (i >= FEATURES - 4 ? 1 : 0));

/** The logit of P clamped to [EPS, 1 - EPS], so a saturated P(met) stays a finite feature. */
export const clampedLogit = (p: number) => {
  const q = Math.min(1 - EPS, Math.max(EPS, p));
  return Math.log(q / (1 - q));
};

/** The features as (index, value) pairs: at most five are not 0. */
export function features(e: Evidence): [number, number][] {
  const model = e.pModel === null ? 0 : clampedLogit(e.pModel);
  const out: [number, number][] = [[0, 1]];
  if (e.positive) out.push([1, 1]);
  const kinds = FEATURES - 3;
  if (e.count === 0) return [...out, [kinds, model]];
  const lean = e.weight > 0 ? (2 * e.met) / e.weight - 1 : 0;
  if (e.met !== 0 && e.met !== e.weight) return [...out, [kinds - 1, lean], [kinds + 1, model]];
  const band = BANDS.findIndex(([low, high]) => e.count >= low && e.count <= high);
  const state = 2 + ((e.positive ? 2 : 0) + (e.met > 0 ? 1 : 0)) * BANDS.length + band;
  return [...out, [state, 1], [kinds + 2, model]];
}

export function predictMet(params: CalibrationParams, e: Evidence): number {
  const z = features(e).reduce((s, [i, v]) => s + v * (params[i] ?? 0), 0);
  return Math.min(1 - EPS, Math.max(EPS, 1 / (1 + Math.exp(-z))));
}

type Row = { x: [number, number][]; y: number; v: number };

/** Rows handled between two yields to the event loop: a few milliseconds of work, so requests are served during a refit. */
const ROWS_PER_SLICE = 2048;

/** Calls `visit` on every row, letting the event loop run between slices. */
async function eachRow(rows: readonly Row[], visit: (row: Row) => void): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_SLICE) {
    if (start > 0) await new Promise((resolve) => setImmediate(resolve));
    for (let k = start; k < Math.min(rows.length, start + ROWS_PER_SLICE); k++) visit(rows[k] as Row);
  }
}

const linear = (x: readonly [number, number][], w: readonly number[]) => x.reduce((s, [i, xi]) => s + xi * (w[i] as number), 0);

/**
 * Weighted logistic regression by Newton's method from `start`, with a ridge penalty toward
 * INITIAL_PARAMS (stable on few rows). The server runs it in its refit thread (hybrid-refit.ts;
 * 80-300 ms of CPU for 20,000 observations on this machine under load); it still yields to the
 * event loop every few thousand rows, so it holds up nothing wherever it runs.
 */
export async function fitCalibration(
  observations: readonly Observation[],
  start: CalibrationParams = INITIAL_PARAMS,
  steps = 8,
): Promise<CalibrationParams> {
  const rows = observations.map((o) => ({ x: features(o), y: o.y ? 1 : 0, v: o.importance }));
  let w = [...start];
  for (let step = 0; step < steps; step++) {
    const gradient = w.map((wi, i) => RIDGE * (wi - (INITIAL_PARAMS[i] as number)));
    const hessian = w.map((_, i) => w.map((__, j) => (i === j ? RIDGE : 0)));
    await eachRow(rows, ({ x, y, v }) => {
      const p = 1 / (1 + Math.exp(-linear(x, w)));
      const r = v * (p - y);
      const c = v * Math.max(p * (1 - p), 1e-6);
      for (const [i, xi] of x) {
        gradient[i] = (gradient[i] as number) + r * xi;
        const row = hessian[i] as number[];
        for (const [j, xj] of x) row[j] = (row[j] as number) + c * xi * xj;
      }
    });
    const delta = solve(hessian, gradient);
    // Newton overshoots where P(met) saturates: halve the step until the loss falls.
    const before = await penalisedLoss(rows, w);
    for (let scale = 1; scale > 1e-3; scale /= 2) {
      const next = w.map((wi, i) => wi - scale * (delta[i] as number));
      if ((await penalisedLoss(rows, next)) <= before) {
        w = next;
        break;
      }
    }
  }
  return w;
}

async function penalisedLoss(rows: readonly Row[], w: readonly number[]): Promise<number> {
  let loss = 0;
  await eachRow(rows, ({ x, y, v }) => {
    const z = linear(x, w);
    // log(1 + e^z) - y z, computed without overflow.
    loss += v * (Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - y * z);
  });
  return loss + w.reduce((s, wi, i) => s + (RIDGE / 2) * (wi - (INITIAL_PARAMS[i] as number)) ** 2, 0);
}

/** Solves A x = b by Gaussian elimination with partial pivoting (A small, symmetric positive definite). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] as number]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]?.[col] as number) > Math.abs(m[pivot]?.[col] as number)) pivot = r;
    [m[col], m[pivot]] = [m[pivot] as number[], m[col] as number[]];
    const top = m[col] as number[];
    for (let r = col + 1; r < n; r++) {
      const row = m[r] as number[];
      const f = (row[col] as number) / (top[col] as number);
      for (let c = col; c <= n; c++) row[c] = (row[c] as number) - f * (top[c] as number);
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    const row = m[r] as number[];
    let s = row[n] as number;
    for (let c = r + 1; c < n; c++) s -= (row[c] as number) * (x[c] as number);
    x[r] = s / (row[r] as number);
  }
  return x;
}
