import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, describe, expect, it } from "vitest";
import { createHashEncoder } from "../../test/hash-encoder.js";
import { DEMO_GRADED } from "../cli/demo.js";
import { ConfigError } from "../core/errors.js";
import { loadGraded } from "../healthbench/load.js";
import { packageFile } from "../io/package-files.js";
import { loadStandards } from "../standards/load-standards.js";
import { standardHash } from "../standards/lock.js";
import { mergeStandardFiles } from "../standards/merge.js";
import { parseStandardFile } from "../standards/standard-file.js";
import { loadSeedUnits } from "../synth/seed-set.js";
import { networkVariables } from "./gprc-network.js";
import { loadRewardModel, trainRewardModel } from "./reward-model-files.js";
import { DEFAULT_TRAIN_OPTIONS } from "./train-options.js";

const hashEncoder = (id = "hash-32") => createHashEncoder(32, id);

describe("a trained model directory", async () => {
  const loaded = await loadStandards();
  const units = (await loadSeedUnits()).slice(0, 30);
  const trained = await trainRewardModel(
    { units },
    loaded,
    { spec: "hash", encoder: hashEncoder() },
    { ...DEFAULT_TRAIN_OPTIONS, maxEpochs: 3 },
  );
  const root = await mkdtemp(join(tmpdir(), "medrubric-model-"));
  afterAll(() => rm(root, { recursive: true, force: true }));
  const dir = join(root, "model");
  await trained.save(dir);
  const request = { prompt: units[0]?.prompt ?? [], response: units[0]?.good ?? "", scenario: units[0]?.scenario };

  it("loads back to the same scores, and says what its P(met) was calibrated on", async () => {
    const { model, config, calibration } = await loadRewardModel(dir, { encoder: hashEncoder() });
    expect(config.training_data_hash).toBe(trained.config.training_data_hash);
    // Units only, like the demo's model: no verdict ever calibrated its P(met).
    expect(calibration).toEqual({ onVerdicts: false, verdicts: 0, calibratedOn: null });
    expect(trained.calibration).toEqual(calibration);
    expect(await model.score([request])).toEqual(await trained.model.score([request]));
  });

  it("holds no tensor once loaded but its network's variables (a server loads models for its whole life)", async () => {
    const before = tf.memory().numTensors;
    await loadRewardModel(dir, { encoder: hashEncoder() });
    expect(tf.memory().numTensors - before).toBe(networkVariables(trained.result.network).length);
  });

  it("scores an item's own rubric: P(met) per criterion and the HealthBench formula as the reward", async () => {
    const rubrics = [
      { criterion: "Advises calling emergency services.", points: 8 },
      { criterion: "Recommends waiting it out.", points: -4 },
    ];
    const { model } = await loadRewardModel(dir, { encoder: hashEncoder() });
    const [score] = await model.score([{ ...request, rubrics }]);
    const [p, q] = score?.criteria ?? [];
    expect(score?.criteria).toHaveLength(2);
    expect(score?.reward).toBeCloseTo((8 * (p as number) - 4 * (q as number)) / 8, 6);
    const [plain] = await model.score([request]);
    expect(plain?.criteria).toBeUndefined();
  });

  it("trained on graded answers, records P(met) as calibrated on their verdicts", async () => {
    const graded = (await loadGraded(packageFile(DEMO_GRADED))).rows;
    const judged = await trainRewardModel(
      { graded },
      loaded,
      { spec: "hash", encoder: hashEncoder() },
      { ...DEFAULT_TRAIN_OPTIONS, maxEpochs: 2 },
    );
    expect(judged.calibration.onVerdicts).toBe(true);
    expect(judged.calibration.verdicts).toBe(judged.set.counts.verdicts);
    expect(judged.calibration.verdicts).toBeGreaterThan(0);
  });

  it("refuses another encoder", async () => {
    await expect(loadRewardModel(dir, { encoder: hashEncoder("other") })).rejects.toBeInstanceOf(ConfigError);
  });

  it("warns about another standard, refuses it on request, and scores a dimension added to it", async () => {
    const extra = parseStandardFile(
      `dimensions:\n  - id: brevity\n    name: Brevity\n    description: Says what matters in few words.\n    examples: {good: ["Short."], poor: ["Rambles."]}\n    source: medrubric_core\n${loaded.standard.scenarios
        .map((s) => `scenarios:\n  - id: ${s.id}\n    weights: {brevity: 0.1}\n`)
        .join("")
        .replace(/\nscenarios:\n/g, "\n")}`,
      "extra.yaml",
    );
    const files = [parseStandardFile(JSON.stringify(loaded.standard), "core.json"), extra];
    const { standard } = mergeStandardFiles(files);
    const other = { standard, hash: standardHash(standard), files: [], report: [] };
    const { model, warnings } = await loadRewardModel(dir, { encoder: hashEncoder(), standard: other });
    expect(warnings[0]).toMatch(/was made from standard [0-9a-f]{12}, the loaded standard is/);
    const [score] = await model.score([request]);
    expect(Object.keys(score?.scores ?? {})).toContain("brevity");
    expect(score?.scores.brevity).toBeGreaterThanOrEqual(0);
    await expect(loadRewardModel(dir, { encoder: hashEncoder(), standard: other, refuseStandardMismatch: true })).rejects.toThrow(
      /drop the flag/,
    );
  });
});
