/**
 * Chooses GPRC training settings without looking at what the demo reports: for each demo seed,
 * the units `medrubric demo --seed N` trains on (its held-out questions set aside untouched) are
 * cut into K folds by question; each setting trains on K-1 folds (early-stopping on its own
 * validation share of them) and is scored on the fold left out. Prints mean triple-order and
 * good > poor accuracy over every seed and fold, as a Markdown table for BENCHMARKS.md.
 *
 *   node --import tsx bench/model-selection.ts [--folds 4] [--seeds 3]
 */

import { HELD_OUT_SHARE } from "../src/cli/demo.js";
import { openEncoder } from "../src/cli/rm-options.js";
import { seededShuffle } from "../src/core/random.js";
import { unitAccuracy } from "../src/eval/unit-accuracy.js";
import { trainRewardModel } from "../src/rm/reward-model-files.js";
import { DEFAULT_TRAIN_OPTIONS, type TrainOptions } from "../src/rm/train-options.js";
import { loadStandards } from "../src/standards/load-standards.js";
import { openStore } from "../src/store/open-store.js";
import { questionKey, seedTrainingSplit } from "../src/synth/seed-set.js";
import { median, numberFlag, printReport } from "./markdown-report.js";

const folds = numberFlag("--folds", 4);
const seeds = numberFlag("--seeds", 3);

const D = DEFAULT_TRAIN_OPTIONS;
const ZERO = { axis: 0, perp: 0, inv: 0, abs: 0 };
const SETTINGS: Record<string, Partial<Omit<TrainOptions, "onEpoch">>> = {
  defaults: {},
  "every lambda 0": { lambdas: ZERO },
  "lambda inv 0": { lambdas: { ...D.lambdas, inv: 0 } },
  "lambda axis, perp 0.1": { lambdas: { ...D.lambdas, axis: 0.1, perp: 0.1 } },
  "margin 0.1": { margin: 0.1 },
};

const loaded = await loadStandards();
const store = await openStore({});
const { spec, encoder } = await openEncoder("use-lite", {}, store);
const results = new Map<string, { triple: number[]; goodOverPoor: number[] }>();
for (let seed = 0; seed < seeds; seed++) {
  const { train } = await seedTrainingSplit(loaded, HELD_OUT_SHARE, seed);
  const questions = seededShuffle([...new Set(train.map(questionKey))], 1000 + seed);
  const foldOf = new Map(questions.map((q, i) => [q, i % folds]));
  for (let fold = 0; fold < folds; fold++) {
    const inFold = (u: (typeof train)[number]) => foldOf.get(questionKey(u)) === fold;
    const [fit, scored] = [train.filter((u) => !inFold(u)), train.filter(inFold)];
    for (const [name, setting] of Object.entries(SETTINGS)) {
      const { model } = await trainRewardModel({ units: fit }, loaded, { spec, encoder }, { ...D, seed, ...setting });
      const { overall } = await unitAccuracy(model, scored);
      const entry = results.get(name) ?? { triple: [], goodOverPoor: [] };
      entry.triple.push(overall.triple_order);
      entry.goodOverPoor.push(overall.good_over_poor);
      results.set(name, entry);
      process.stderr.write(`seed ${seed} fold ${fold} ${name}: triple ${overall.triple_order.toFixed(3)}\n`);
    }
  }
}
await store.close();

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
printReport(
  seeds * folds,
  ["setting", "triple order, mean", "triple order, median", "good > poor, mean"],
  [...results].map(
    ([name, r]) => `| ${name} | ${mean(r.triple).toFixed(3)} | ${median(r.triple).toFixed(3)} | ${mean(r.goodOverPoor).toFixed(3)} |`,
  ),
);
