/**
 * The criterion head refitted while serving, for the criteria the server has seen: per criterion
 * (its verdict key), the head's output is rescaled as logit P' = a * logit P + b, (a, b) fitted
 * from that criterion's own judge verdicts by ridge-regularised Newton steps toward (1, 0), the
 * head as trained. This is the criterion head's stack (sigmoid(a h + b g + c), reward-heads.ts)
 * refitted per criterion on the features the server already has for it (the head's P(met) of each
 * answer it judged): a criterion the trained head under-rates across the board gets a bias, one it
 * ranks well but at the wrong level a shift, one it cannot tell apart a flatter slope. A criterion
 * with few verdicts stays near the head as trained (the ridge); one never seen keeps it exactly.
 *
 * Pure arithmetic: it runs in the refit thread (hybrid-refit-worker.ts), never on the HTTP thread.
 */
import { clampedLogit } from "./hybrid-calibration.js";

/** One judge verdict on a criterion: the head's logit for that answer, the verdict, how many criteria it stands for. */
export interface HeadRow {
  key: string;
  logit: number;
  y: boolean;
  importance: number;
}

/** (a, b) per criterion key. */
export type CriterionHeads = Map<string, [number, number]>;

/** P(met) from the trained head's P(met) and the criterion's refitted (a, b), if any. */
export function refittedP(heads: CriterionHeads, key: string, p: number): number {
  const ab = heads.get(key);
  if (!ab) return p;
  return 1 / (1 + Math.exp(-(ab[0] * clampedLogit(p) + ab[1])));
}

/** Fits (a, b) for every criterion with rows, with a ridge of strength `ridge` toward (1, 0). */
export function fitCriterionHeads(rows: readonly HeadRow[], ridge: number, steps = 8): CriterionHeads {
  const byKey = new Map<string, HeadRow[]>();
  for (const row of rows) {
    const list = byKey.get(row.key);
    if (list) list.push(row);
    else byKey.set(row.key, [row]);
  }
  const heads: CriterionHeads = new Map();
  for (const [key, list] of byKey) heads.set(key, fitOne(list, ridge, steps));
  return heads;
}

function fitOne(rows: readonly HeadRow[], ridge: number, steps: number): [number, number] {
  let a = 1;
  let b = 0;
  for (let step = 0; step < steps; step++) {
    // Gradient and Hessian of the penalised log loss in (a, b).
    let ga = ridge * (a - 1);
    let gb = ridge * b;
    let haa = ridge;
    let hab = 0;
    let hbb = ridge;
    for (const { logit, y, importance: v } of rows) {
      const p = 1 / (1 + Math.exp(-(a * logit + b)));
      const r = v * (p - (y ? 1 : 0));
      const c = v * Math.max(p * (1 - p), 1e-6);
      ga += r * logit;
      gb += r;
      haa += c * logit * logit;
      hab += c * logit;
      hbb += c;
    }
    const det = haa * hbb - hab * hab;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-6) break;
  }
  return [a, b];
}
