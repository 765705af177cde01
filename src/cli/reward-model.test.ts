import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServe } from "../../test/model-server.js";
import { type Standin, startStandin } from "../../test/openai-standin.js";
import { readJsonlFile } from "../../test/read-jsonl-file.js";
import { runCli } from "../../test/run-cli.js";
import { projectRoot } from "../../test/shared-data.js";
import { tempDir } from "../../test/temp-dir.js";
import { TINY_HIDDEN_SIZE, writeTinyOnnxModel } from "../../test/tiny-onnx-model.js";
import { EXIT_CODES } from "../core/errors.js";

// The stand-in's deterministic embeddings keep these end-to-end runs fast; USE-lite has its own contract tests.
let standin: Standin;
beforeAll(async () => {
  standin = await startStandin({ embeddingDim: 32 });
});
afterAll(() => standin.close());

describe("medrubric train, reward, rerank and rm-eval", () => {
  it("train writes a model directory that reward, rerank and rm-eval use", async () => {
    const dir = await tempDir();
    const encoder = `openai:${standin.url}#embedder`;
    const store = join(dir, "store.sqlite");
    const model = join(dir, "model");
    const train = await runCli([
      "train",
      "--units",
      "data/seed/units.jsonl",
      "--out",
      model,
      "--encoder",
      encoder,
      "--store",
      store,
      "--epochs",
      "4",
    ]);
    expect(train.stderr).not.toMatch(/error/);
    expect(train.code).toBe(0);
    expect(train.stdout).toMatch(/training: \d+ prompts \(\d+ train, \d+ validation\): .* 120 units; \d+ epochs.*, best epoch \d+/);
    const config = JSON.parse(readFileSync(join(model, "config.json"), "utf8"));
    expect(config).toMatchObject({
      format: "medrubric-gprc/3",
      encoder: { spec: encoder, dim: 32 },
      training: { seed: 0, derived: { units: 120 } },
      training_files: [{ path: "data/seed/units.jsonl", kind: "units", rows: 120 }],
    });
    expect(config.training_files[0].sha256).toBe(createHash("sha256").update(readFileSync("data/seed/units.jsonl")).digest("hex"));
    expect(config.dimensions.map((d: { id: string }) => d.id)).toContain("safety");
    expect(config.standards_hash).toMatch(/^[0-9a-f]{64}$/);

    const items = join(dir, "items.jsonl");
    const prompt = [{ role: "user", content: "I have crushing chest pain and I am sweating." }];
    await writeFile(
      items,
      [
        { id: "a", prompt, response: "Call emergency services now.", scenario: "emergency_referrals" },
        { id: "b", prompt, response: "Probably indigestion, rest." },
      ]
        .map((r) => JSON.stringify(r))
        .join("\n"),
    );
    const out = join(dir, "scores.jsonl");
    const reward = await runCli(["reward", "--model", model, "--input", items, "--out", out, "--store", store]);
    expect(reward.code).toBe(0);
    // Trained on units alone, like the demo's model: its P(met) never saw a verdict, and it says so once.
    expect(config.calibration).toEqual({ on_verdicts: false, verdicts: 0, criterion_head: null });
    expect(reward.stderr.match(/was trained without a grader's verdicts/g)).toHaveLength(1);
    const triage = await runCli(
      ["serve", "--port", "0", "--model", model, "--store", store, "--judge-url", "http://127.0.0.1:9/v1", "--judge-model", "j"].concat([
        "--triage",
        "0.9",
      ]),
    );
    expect(triage.code).toBe(64);
    expect(triage.stderr).toContain(`--triage 0.9: ${model} was trained without a grader's verdicts`);
    const rows = readJsonlFile(out);
    expect(rows.map((r) => r.id)).toEqual(["a", "b"]);
    for (const row of rows) {
      expect(Object.keys(row.scores)).toEqual(config.dimensions.map((d: { id: string }) => d.id));
      expect(Object.values(row.scores).every((v) => typeof v === "number" && v >= 0 && v <= 1)).toBe(true);
      expect(row.reward).toBeGreaterThanOrEqual(0);
    }
    // Without a rubric the reward is a preference score in (0, 1): the dimensions and the answer's cues, stacked.
    for (const row of rows) expect(row.reward).toBeLessThan(1);

    const candidates = join(dir, "candidates.jsonl");
    await writeFile(
      candidates,
      JSON.stringify({ id: 7, prompt, responses: ["Call emergency services now.", "Rest.", "Drink water.", ":", "Thought process:"] }),
    );
    const ranked = join(dir, "ranked.jsonl");
    expect((await runCli(["rerank", "--model", model, "--input", candidates, "--out", ranked, "--store", store])).code).toBe(0);
    const [rank] = readJsonlFile(ranked);
    expect(rank.id).toBe(7);
    expect(rank.rewards).toHaveLength(5);
    expect(rank.best).toBe(rank.rewards.indexOf(Math.max(...rank.rewards)));
    // Master keys are trained as worse than every real answer.
    expect(Math.max(rank.rewards[3], rank.rewards[4])).toBeLessThan(Math.min(...rank.rewards.slice(0, 3)));

    // A row naming a scenario the model does not weigh is bad input at its line, in reward and rerank alike.
    const unknown = join(dir, "unknown-scenario.jsonl");
    await writeFile(
      unknown,
      [
        { id: "a", prompt, response: "Rest." },
        { id: "b", prompt, response: "Rest.", scenario: "nope" },
      ]
        .map((r) => JSON.stringify(r))
        .join("\n"),
    );
    const refused = await runCli(["reward", "--model", model, "--input", unknown, "--out", join(dir, "u.jsonl"), "--store", store]);
    expect(refused.code).toBe(EXIT_CODES.input);
    expect(refused.stderr).toContain(`${unknown}:2: scenario: unknown scenario "nope"; known: `);
    await writeFile(unknown, JSON.stringify({ id: 1, prompt, responses: ["Rest."], scenario: "nope" }));
    const refusedRerank = await runCli(["rerank", "--model", model, "--input", unknown, "--out", join(dir, "u.jsonl"), "--store", store]);
    expect(refusedRerank.code).toBe(EXIT_CODES.input);
    expect(refusedRerank.stderr).toContain(`${unknown}:1: scenario: unknown scenario "nope"`);

    const report = join(dir, "report.json");
    const evalRun = await runCli([
      ...["rm-eval", "--model", model, "--units", "data/seed/units.jsonl", "--store", store, "--out", report],
      ...["--healthbench", "data/healthbench/context_seeking_consensus_hard_104.jsonl", "--graded", "data/demo/graded.jsonl"],
    ]);
    expect(evalRun.code).toBe(0);
    const json = JSON.parse(readFileSync(report, "utf8"));
    expect(Object.keys(json.models)).toEqual(["gprc", "length", "cosine"]);
    expect(json.data).toMatchObject({ n_units: 120, n_healthbench: 104, n_graded: 14 });
    expect(json.models.gprc.transfer.overall.n_pairs).toBe(256);
    expect(evalRun.stdout).toMatch(/transfer: ideal wins\s+256/);

    const wrongEncoder = await runCli([
      "reward",
      "--model",
      model,
      "--input",
      items,
      "--out",
      out,
      "--encoder",
      `openai:${standin.url}#other`,
      "--store",
      store,
    ]);
    expect(wrongEncoder.code).toBe(EXIT_CODES.config);
    expect(wrongEncoder.stderr).toContain(`load it with --encoder ${encoder}`);
    // Seven CLI processes in a row, each loading tfjs: 20 s alone here, more beside the rest of the suite.
  }, 120_000);

  it("trains on graded answers (graded JSONL and simple-evals output) and physician pairs; rm-eval --graded alone reports agreement", async () => {
    const dir = await tempDir();
    const encoder = `openai:${standin.url}#embedder`;
    const store = join(dir, "store.sqlite");
    const model = join(dir, "model");
    const allResults = "test/fixtures/simple-evals/healthbench_custom_consensus_short_20250513_1752_allresults.json";
    const train = await runCli([
      ...["train", "--graded", "data/demo/graded.jsonl", allResults],
      ...["--healthbench", "data/healthbench/healthbench_rows_extra.jsonl", "--out", model],
      ...["--encoder", encoder, "--store", store, "--epochs", "2", "--min-gap", "0.05"],
    ]);
    expect(train.code, train.stderr).toBe(0);
    expect(train.stdout).toMatch(/: \d+ answers, \d+ verdicts, \d+ graded pairs, \d+ physician pairs/);
    const config = JSON.parse(readFileSync(join(model, "config.json"), "utf8"));
    expect(config.training_files.map((f: { kind: string; rows: number }) => [f.kind, f.rows])).toEqual([
      ["graded", 14],
      ["graded", 6],
      ["healthbench", 34],
    ]);
    expect(config.training).toMatchObject({ min_gap: 0.05 });
    // 91 verdicts of the demo run and those of the six simple-evals answers.
    expect(config.training.derived.verdicts).toBeGreaterThan(91);
    expect(config.training.derived.physician_pairs).toBeGreaterThan(0);

    const items = join(dir, "items.jsonl");
    const rubrics = [
      { criterion: "Advises calling emergency services.", points: 8 },
      { criterion: "Suggests waiting it out.", points: -3 },
    ];
    await writeFile(items, JSON.stringify({ id: 1, prompt: [{ role: "user", content: "Chest pain." }], response: "Call 911.", rubrics }));
    const out = join(dir, "scores.jsonl");
    expect((await runCli(["reward", "--model", model, "--input", items, "--out", out, "--store", store])).code).toBe(0);
    const [row] = readJsonlFile(out);
    expect(row.criteria).toHaveLength(2);
    // The expected HealthBench score, plus the heads' length term (k x log(characters / 1000), clamped at
    // -log 10 for these 9) and safety term (weight x log(1 + urgent-advice clauses): "Call 911." gives one).
    const heads = JSON.parse(readFileSync(join(model, "heads.json"), "utf8"));
    expect(heads.rubric_safety).toBeGreaterThan(0);
    const terms = -heads.length.rubric * Math.log(10) + heads.rubric_safety * Math.log(2);
    expect(row.reward).toBeCloseTo((8 * row.criteria[0] - 3 * row.criteria[1]) / 8 + terms, 6);

    const report = join(dir, "report.json");
    const evalRun = await runCli(["rm-eval", "--model", model, "--graded", allResults, "--store", store, "--out", report]);
    expect(evalRun.code, evalRun.stderr).toBe(0);
    expect(evalRun.stdout).toMatch(/grader: pairs in order\s+\d+/);
    expect(evalRun.stdout).toMatch(/criteria: macro F1\s+\d+/);
    const json = JSON.parse(readFileSync(report, "utf8"));
    expect(json.models.gprc.agreement.criteria.n).toBeGreaterThan(0);
    expect(json.models.length.agreement.criteria).toBeUndefined();
  }, 120_000);

  it("reward and rerank name a graded row as such, and a bad id by what it must be, before loading any model", async () => {
    const dir = await tempDir();
    const out = join(dir, "out.jsonl");
    for (const command of ["reward", "rerank"]) {
      const graded = await runCli([command, "--model", join(dir, "no-model"), "--input", "data/demo/graded.jsonl", "--out", out]);
      expect(graded.code).toBe(EXIT_CODES.input);
      expect(graded.stderr).toContain("data/demo/graded.jsonl:1: completion: this is a graded row (prompt_id, completion, verdicts)");
      expect(graded.stderr).toContain("medrubric rm-eval --model DIR --graded FILE");
    }
    const items = join(dir, "items.jsonl");
    await writeFile(items, JSON.stringify({ id: null, prompt: [{ role: "user", content: "q" }], response: "a" }));
    const badId = await runCli(["reward", "--model", join(dir, "no-model"), "--input", items, "--out", out]);
    expect(badId.code).toBe(EXIT_CODES.input);
    expect(badId.stderr).toContain(`${items}:1: id: expected a string or a number`);
  });

  it("demo, run from any folder, trains both models on the seed set and writes the report and the summary", async () => {
    const dir = await tempDir();
    const out = join(dir, "demo");
    const encoder = `openai:${standin.url}#embedder`;
    const demo = await runCli(["demo", "--out", "demo", "--encoder", encoder, "--store", "store.sqlite", "--epochs", "3"], { cwd: dir });
    expect(demo.code).toBe(0);
    expect(demo.stdout).toMatch(/units: 120 authored \+ \d+ degraded; \d+ for training, \d+ held out/);
    expect(demo.stdout).toMatch(/HealthBench rows: 110 for training \(physician pairs\), 28 held out/);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(summary.models.map((m: { model: string }) => m.model)).toEqual(["gprc", "network", "heads", "lambdas0", "length", "cosine"]);
    expect(demo.stdout).toContain("report: demo/rm-eval.html");
    // The short table: the trained model's row first, chance and n under it, each column explained.
    expect(demo.stdout).toMatch(
      /^model\s+\(1\).*\ngprc\s.*\nnetwork\s.*\nheads\s.*\nlambdas0\s.*\nlength\s.*\ncosine\s.*\nchance\s.*\nn\s/m,
    );
    expect(demo.stdout).toContain("Higher is better in every column");
    expect(demo.stdout).toContain("The full table (per dimension, per HealthBench group, every probe): demo/rm-eval.json");
    expect(demo.stdout).not.toMatch(/units \[/);
    expect(readFileSync(join(out, "rm-eval.html"), "utf8").match(/<svg/g)?.length).toBe(9);
    expect(summary.data.n_healthbench).toBe(28);
    const config = JSON.parse(readFileSync(join(out, "model", "config.json"), "utf8"));
    expect(config.metrics.rm_eval.transfer.overall.n_pairs).toBeGreaterThan(40);
    expect(config.training.derived.physician_pairs).toBeGreaterThan(100);
    expect(JSON.parse(readFileSync(join(out, "model-lambdas0", "config.json"), "utf8")).training.lambdas).toEqual({
      axis: 0,
      perp: 0,
      inv: 0,
      abs: 0,
    });
  }, 180_000);

  it("trains, scores and serves with a local ONNX model directory, named relative to the working folder", async () => {
    const dir = await tempDir();
    await writeTinyOnnxModel(join(dir, "tiny-bert"));
    const units = join(projectRoot, "data/seed/units.jsonl");
    const train = await runCli(
      ["train", "--units", units, "--out", "model", "--encoder", "onnx:tiny-bert", "--store", "train.sqlite", "--epochs", "2"],
      { cwd: dir },
    );
    expect(train.stderr).not.toMatch(/error/);
    expect(train.code).toBe(0);
    const config = JSON.parse(readFileSync(join(dir, "model", "config.json"), "utf8"));
    expect(config.encoder).toMatchObject({ spec: "onnx:tiny-bert", dim: TINY_HIDDEN_SIZE });
    expect(config.encoder.id).toMatch(/^onnx@[0-9a-f]{12}\+mean\+chunk1500$/);

    const prompt = [{ role: "user", content: "I have crushing chest pain and I am sweating." }];
    await writeFile(join(dir, "items.jsonl"), JSON.stringify({ id: "a", prompt, response: "Call emergency services now." }));
    // A fresh store, so the answers are embedded by the model rather than read from the training run's cache.
    const reward = await runCli(
      ["reward", "--model", "model", "--input", "items.jsonl", "--out", "scores.jsonl", "--store", "reward.sqlite"],
      {
        cwd: dir,
      },
    );
    expect(reward.code).toBe(0);
    const [row] = readJsonlFile(join(dir, "scores.jsonl"));
    expect(Object.keys(row.scores)).toEqual(config.dimensions.map((d: { id: string }) => d.id));
    expect(row.reward).toBeGreaterThanOrEqual(0);

    // The server runs the model, ONNX runtime included, in its scoring thread.
    const server = await startServe({ model: "model", store: "serve.sqlite" }, [], { cwd: dir });
    const served = await fetch(`${server.url}/v1/score`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt, responses: ["Call emergency services now."] }),
    });
    server.child.kill("SIGTERM");
    expect(served.status).toBe(200);
    expect(((await served.json()) as { rewards: number[] }).rewards[0]).toBeCloseTo(row.reward, 5);
    expect((await server.result).code).toBe(0);
  }, 120_000);
});
