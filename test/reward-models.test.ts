/**
 * Every RewardModel implementation against the shared contract: the GPRC model as trained and as
 * loaded back from its directory, and the two baselines rm-eval reports beside it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { cosineBaseline, lengthBaseline } from "../src/eval/baselines.js";
import { loadRewardModel, trainRewardModel } from "../src/rm/reward-model-files.js";
import { DEFAULT_TRAIN_OPTIONS } from "../src/rm/train-options.js";
import { loadStandards } from "../src/standards/load-standards.js";
import { loadSeedUnits } from "../src/synth/seed-set.js";
import { createHashEncoder } from "./hash-encoder.js";
import { describeRewardModelContract } from "./reward-model-contract.js";

const encoder = createHashEncoder(32);
const loaded = await loadStandards();
const dimensions = loaded.standard.dimensions.map((d) => d.id);
const trained = await trainRewardModel(
  { units: (await loadSeedUnits()).slice(0, 40) },
  loaded,
  { spec: "hash", encoder },
  {
    ...DEFAULT_TRAIN_OPTIONS,
    maxEpochs: 2,
  },
);
const folder = await mkdtemp(join(tmpdir(), "medrubric-contract-"));
afterAll(() => rm(folder, { recursive: true, force: true }));
const dir = join(folder, "model");
await trained.save(dir);

describeRewardModelContract("GPRC, as trained", async () => trained.model);
describeRewardModelContract("GPRC, loaded from its directory", async () => (await loadRewardModel(dir, { encoder })).model);
describeRewardModelContract("answer-length baseline", async () => lengthBaseline(dimensions));
describeRewardModelContract("prompt-answer cosine baseline", async () => cosineBaseline(encoder, dimensions));
