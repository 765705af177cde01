/**
 * One real result of every kind, made by the project's own code on its bundled data, for the
 * report tests and the screenshots in docs/: a grading report, a grading run summary, a
 * reward-model evaluation (GPRC briefly trained over hash vectors, with the baselines), a
 * standards coverage, and the learning hybrid's replay (test/fixtures/hybrid-replay.json, which
 * bench/hybrid.bench.ts --json wrote on the shared graded file: figures only, read through the
 * report's reader as `report --input` reads it).
 */
import { join } from "node:path";
import { lengthBaseline } from "../src/eval/baselines.js";
import { axisDimensionsOf, probePromptsFrom, probeTermsOf } from "../src/eval/eval-inputs.js";
import { evaluateRewardModel } from "../src/eval/rm-eval.js";
import { loadExamples, loadGraded } from "../src/healthbench/load.js";
import { scoreGraded } from "../src/healthbench/score-graded.js";
import { packageFile } from "../src/io/package-files.js";
import type { NamedResult } from "../src/report/read-result.js";
import { parseResult, readResult } from "../src/report/read-result.js";
import { trainRewardModel } from "../src/rm/reward-model-files.js";
import { DEFAULT_TRAIN_OPTIONS } from "../src/rm/train-options.js";
import { assignCell, coverageReport } from "../src/standards/coverage.js";
import { createKeywordClassifier } from "../src/standards/keyword-classifier.js";
import { loadStandards } from "../src/standards/load-standards.js";
import { loadSeedUnits, splitUnitsByQuestion } from "../src/synth/seed-set.js";
import { createHashEncoder } from "./hash-encoder.js";
import { projectRoot } from "./shared-data.js";

const hashEncoder = createHashEncoder(32);

export async function reportFixtures(): Promise<
  Record<"grading" | "gradingSummary" | "rmEval" | "coverage" | "hybridReplay", NamedResult>
> {
  const graded = await loadGraded(packageFile("data/demo/graded.jsonl"));
  const { report } = scoreGraded(graded.rows);
  const usage = [{ label: "judge demo", usage: { requests: 120, promptTokens: 250_000, completionTokens: 9_000, retries: 2, cost: 0.52 } }];
  const loaded = await loadStandards();
  const { train, heldOut } = splitUnitsByQuestion(await loadSeedUnits(), 0.2, 0);
  const trained = await trainRewardModel(
    { units: train },
    loaded,
    { spec: "hash", encoder: hashEncoder },
    { ...DEFAULT_TRAIN_OPTIONS, maxEpochs: 3 },
  );
  const healthbench = (await loadExamples(packageFile("data/healthbench/context_seeking_consensus_hard_104.jsonl"))).rows;
  const dimensions = trained.config.dimensions;
  const rmEval = await evaluateRewardModel({
    models: { gprc: trained.model, length: lengthBaseline(dimensions.map((d) => d.id)) },
    units: heldOut,
    healthbench,
    graded: graded.rows,
    probes: probePromptsFrom(heldOut, healthbench),
    axisDimensions: axisDimensionsOf(dimensions),
    probeTerms: probeTermsOf(dimensions),
  });
  const classifier = createKeywordClassifier(loaded.standard);
  const coverage = coverageReport(
    healthbench.map((e) => assignCell(e, loaded.standard, classifier)),
    loaded.standard,
    loaded.hash,
  );
  return {
    grading: { name: "demo-score", result: { kind: "score", file: report } },
    gradingSummary: {
      name: "demo.summary",
      result: {
        kind: "grading-summary",
        file: { run_id: "demo", stats: { items: 120, cached: 0, judged: 118, failures: 2 }, usage, report },
      },
    },
    // Through JSON and the reader, as `report` gets it (NaN becomes null on the way).
    rmEval: { name: "rm-eval", result: parseResult(JSON.parse(JSON.stringify(rmEval))) },
    coverage: { name: "healthbench-coverage", result: { kind: "coverage", file: coverage } },
    hybridReplay: await readResult(join(projectRoot, "test/fixtures/hybrid-replay.json")),
  };
}
