/**
 * Benchmark for issues 6, 15 and 30: GPRC training on 10,000 units with cached embeddings; reward
 * scoring with a cold embedding cache against the raw encoder in the same run, for USE-lite and
 * for GloVe (whose vectors are never cached: every scoring is cold; the GloVe model has both
 * heads, and is measured without and with a rubric, on the texts the raw encoder embedded); and
 * scoring with a warm cache. Scoring reads every answer along every dimension of the standard, in
 * parts, as `reward` does. Prints a Markdown block for BENCHMARKS.md.
 *
 *   npm run bench:rm [-- --runs 3] [--glove-n 20000] [--train-only | --glove-only]
 */
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { DEMO_GRADED } from "../src/cli/demo.js";
import type { Encoder } from "../src/core/types.js";
import { withCache } from "../src/encoders/cached-encoder.js";
import { withChunking } from "../src/encoders/chunked-encoder.js";
import { createEncoder } from "../src/encoders/encoder-spec.js";
import { createUseLiteEncoder } from "../src/encoders/use-lite-encoder.js";
import { loadGraded } from "../src/healthbench/load.js";
import { packageFile } from "../src/io/package-files.js";
import { loadRewardModel, trainRewardModel } from "../src/rm/reward-model-files.js";
import { DEFAULT_TRAIN_OPTIONS } from "../src/rm/train-options.js";
import { loadStandards } from "../src/standards/load-standards.js";
import { openSqliteStore } from "../src/store/sqlite-store.js";
import { loadSeedUnits } from "../src/synth/seed-set.js";
import type { Unit } from "../src/synth/unit.js";
import { createHashEncoder } from "../test/hash-encoder.js";
import { answerTexts } from "./answer-texts.js";
import { median, numberFlag, printReport } from "./markdown-report.js";

const hashEncoder = createHashEncoder(512);
const runs = numberFlag("--runs", 3);
const GLOVE_N = numberFlag("--glove-n", 20_000);
const loaded = await loadStandards();
const seed = await loadSeedUnits();
const rows: string[] = [];

if (process.argv.includes("--glove-only")) {
  await gloveScoring();
  printReport(runs, ["what", "median", "against the target"], rows);
  process.exit(0);
}

// 1. Training: 10,000 distinct units (the seed set's, each text suffixed with a variant number).
const units: Unit[] = Array.from({ length: 10_000 }, (_, i) => {
  const u = seed[i % seed.length] as Unit;
  const tag = ` (variant ${Math.floor(i / seed.length)})`;
  return {
    ...u,
    id: `${u.id}#${i}`,
    prompt: u.prompt.map((m) => ({ ...m, content: m.content + tag })),
    good: u.good + tag,
    medium: u.medium + tag,
    poor: u.poor + tag,
  };
});
const epochs = 5;
const trainTimes: number[] = [];
for (let r = 0; r < runs; r++) {
  const start = performance.now();
  await trainRewardModel(
    { units },
    loaded,
    { spec: "hash", encoder: hashEncoder },
    { ...DEFAULT_TRAIN_OPTIONS, batchSize: 64, maxEpochs: epochs, patience: epochs },
  );
  trainTimes.push((performance.now() - start) / 1000);
}
rows.push(
  `| train 10,000 units, ${epochs} epochs, batch 64, hidden 64, latent 16, 512-d cached embeddings | ${median(trainTimes).toFixed(1)} s | ${(median(trainTimes) / 60).toFixed(2)} of the 60 s target |`,
);

if (process.argv.includes("--train-only")) {
  printReport(runs, ["what", "median", "against the target"], rows);
  process.exit(0);
}

// 2. Scoring. A model trained on hash vectors is saved once; scoring loads it with an encoder of
// the same id whose vectors come from USE-lite (cold: through an empty cache) or from a warm cache.
const dir = await mkdtemp(join(tmpdir(), "medrubric-bench-rm-"));
const trained = await trainRewardModel(
  { units: seed },
  loaded,
  { spec: "hash", encoder: hashEncoder },
  { ...DEFAULT_TRAIN_OPTIONS, maxEpochs: 2 },
);
await trained.save(join(dir, "model"));
const as = (inner: Encoder): Encoder => ({ id: hashEncoder.id, dim: 512, embed: (texts) => inner.embed(texts) });
const useLite = withChunking(await createUseLiteEncoder(), { maxChars: 1000 });
await useLite.embed(["warm-up"]);
const answers = (run: number) =>
  seed.slice(0, 10).flatMap((u, q) =>
    Array.from({ length: 20 }, (_, k) => ({
      prompt: u.prompt,
      response: `${u.good.slice(0, 300)} [run ${run} answer ${q}.${k}]`,
      scenario: u.scenario,
    })),
  );
const raw: number[] = [];
const cold: number[] = [];
for (let r = 0; r < runs; r++) {
  const texts = answers(100 + r).map((a) => a.response);
  let start = performance.now();
  await useLite.embed(texts);
  raw.push(texts.length / ((performance.now() - start) / 1000));
  const store = openSqliteStore(join(dir, `cold-${r}.sqlite`));
  const { model } = await loadRewardModel(join(dir, "model"), { encoder: as(withCache(useLite, store)) });
  const requests = answers(200 + r);
  start = performance.now();
  await model.score(requests);
  cold.push(requests.length / ((performance.now() - start) / 1000));
  await store.close();
}
rows.push(`| USE-lite raw encoder, 200 answers of ~330 chars | ${median(raw).toFixed(1)} texts/s | baseline |`);
rows.push(
  `| reward scoring, cold cache, the same kind of 200 answers over 10 prompts | ${median(cold).toFixed(1)} answers/s | ${((100 * median(cold)) / median(raw)).toFixed(0)}% of the raw encoder (target 90%) |`,
);

// 3. GloVe.
await gloveScoring();

const warmStore = openSqliteStore(join(dir, "warm.sqlite"));
const warmRequests = Array.from({ length: 10_000 }, (_, i) => ({
  prompt: seed[i % 40]?.prompt ?? [],
  response: `answer ${i}`,
  scenario: null,
}));
const { model: warmModel } = await loadRewardModel(join(dir, "model"), { encoder: withCache(hashEncoder, warmStore) });
await warmModel.score(warmRequests); // fills the cache
const warm: number[] = [];
for (let r = 0; r < runs; r++) {
  const start = performance.now();
  await warmModel.score(warmRequests);
  warm.push(warmRequests.length / ((performance.now() - start) / 1000));
}
rows.push(
  `| reward scoring, warm cache, 10,000 answers | ${median(warm).toFixed(0)} answers/s | ${(median(warm) / 10_000).toFixed(2)}x the 10,000/s target |`,
);
await warmStore.close();
await rm(dir, { recursive: true });

printReport(runs, ["what", "median", "against the target"], rows);

/**
 * GloVe: a model trained over GloVe on the seed set and the demo's graded answers, so that it has
 * both heads (P(met) needs verdicts); answers of ~400 characters, ten prompts, GLOVE_N / 10 answers
 * each (as RL rollouts come: many per prompt). The raw encoder embeds the texts that are then
 * scored, without a rubric (the answer head) and with the demo's first rubric (the criterion head).
 * Converted vectors in .medrubric/.
 */
async function gloveScoring(): Promise<void> {
  const glove = await createEncoder("glove");
  const graded = (await loadGraded(packageFile(DEMO_GRADED))).rows;
  const model = (
    await trainRewardModel({ units: seed, graded }, loaded, { spec: "glove", encoder: glove }, { ...DEFAULT_TRAIN_OPTIONS, maxEpochs: 2 })
  ).model;
  const rubrics = graded[0]?.rubrics ?? [];
  // Rates by the wall clock, and by the process's CPU time: on a shared machine the second says what
  // the code costs (scoring runs on this thread), the first also how long it waited for a core.
  const [raw, plain, rubric, rawCpu, plainCpu, rubricCpu]: [number[], number[], number[], number[], number[], number[]] = [
    [],
    [],
    [],
    [],
    [],
    [],
  ];
  const cpuSeconds = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  };
  const rate = async (count: number, run: () => Promise<unknown>, cpu: number[]) => {
    const [start, startCpu] = [performance.now(), cpuSeconds()];
    await run();
    cpu.push(count / (cpuSeconds() - startCpu));
    return count / ((performance.now() - start) / 1000);
  };
  // A warm-up of every path first: the first pass of each pays for compiling it.
  const warm = answerTexts(2000, 299).map((response, i) => ({ prompt: (seed[i % 10] as Unit).prompt, response }));
  await glove.embed(warm.map((r) => r.response));
  await model.score([...warm, ...warm.map((r) => ({ ...r, rubrics }))]);
  const loadBefore = loadavg()[0] as number;
  for (let r = 0; r < runs; r++) {
    const texts = answerTexts(GLOVE_N, 300 + r);
    raw.push(await rate(texts.length, () => glove.embed(texts), rawCpu));
    const requests = texts.map((response, i) => {
      const u = seed[i % 10] as Unit;
      return { prompt: u.prompt, response, scenario: u.scenario };
    });
    plain.push(await rate(requests.length, () => model.score(requests), plainCpu));
    const withRubric = requests.map((request) => ({ ...request, rubrics }));
    rubric.push(await rate(requests.length, () => model.score(withRubric), rubricCpu));
  }
  const n = GLOVE_N.toLocaleString("en");
  const share = (x: number[], of = raw) => `${((100 * median(x)) / median(of)).toFixed(0)}% of the raw encoder (target 50%)`;
  rows.push(`| GloVe raw encoder, ${n} answers of ~400 chars | ${median(raw).toFixed(0)} texts/s | baseline |`);
  rows.push(
    `| reward scoring, GloVe (never cached), the same ${n} answers over 10 prompts, no rubric (answer head) | ${median(plain).toFixed(0)} answers/s | ${share(plain)} |`,
  );
  rows.push(
    `| the same with a rubric of ${rubrics.length} criteria (criterion head) | ${median(rubric).toFixed(0)} answers/s | ${share(rubric)} |`,
  );
  rows.push(
    `| by CPU time: raw / no rubric / rubric | ${[rawCpu, plainCpu, rubricCpu].map((x) => median(x).toFixed(0)).join(" / ")} per s | ${share(plainCpu, rawCpu)} / ${share(rubricCpu, rawCpu)} |`,
  );
  rows.push(`| load average (1 min) before / after the runs | ${loadBefore.toFixed(1)} / ${(loadavg()[0] as number).toFixed(1)} | |`);
  rows.push(
    `| per run: raw / no rubric / rubric | ${[raw, plain, rubric].map((x) => x.map((v) => v.toFixed(0)).join(", ")).join(" / ")} | |`,
  );
}
