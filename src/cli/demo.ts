/**
 * `medrubric demo`: the main job on the embedded defaults, offline. Trains the GPRC reward model
 * on the bundled seed set plus its offline degradations with USE-lite (and the same model with
 * every GPRC lambda at 0, as a baseline), holding a share of the questions out, then evaluates
 * both against the length and cosine baselines on the held-out units, the bundled HealthBench
 * transfer rows and the bundled graded demo; writes the models, the report and a summary.
 */
import { join } from "node:path";
import type { Command } from "commander";
import { seededSplitBy } from "../core/random.js";
import { loadExamples, loadGraded } from "../healthbench/load.js";
import { checkOutputDir, writeFileAtomic } from "../io/output-file.js";
import { packageFile } from "../io/package-files.js";
import { resultText, writeReportBeside } from "../report/write-report.js";
import { loadStandards } from "../standards/load-standards.js";
import { openStore, STORE_OPTION_HELP } from "../store/open-store.js";
import { seedTrainingSplit } from "../synth/seed-set.js";
import { formatDemoTable } from "./demo-table.js";
import { integerIn, MAX_SEED } from "./flag-ranges.js";
import { runRmEval } from "./rm-eval.js";
import { openEncoder, threadsOption } from "./rm-options.js";
import { MAX_EPOCHS, trainAndReport, trainOptions } from "./train.js";

export const DEMO_GRADED = "data/demo/graded.jsonl";
export const DEMO_HEALTHBENCH = [
  "data/healthbench/context_seeking_consensus_hard_104.jsonl",
  "data/healthbench/healthbench_rows_extra.jsonl",
];
export const HELD_OUT_SHARE = 0.2;

interface DemoFlags {
  out: string;
  encoder: string;
  encoderApiKey?: string;
  store?: string;
  threads: number;
  seed: number;
  epochs?: number;
}

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "train the reward model on the bundled seed set, its offline degradations and the HealthBench physician pairs (the physician's ideal answer preferred to the others) with the embedded encoder, and evaluate it (offline, no keys)",
    )
    .option("--out <dir>", "where the models, the evaluation report and the summary go", "medrubric-demo")
    .option("--encoder <spec>", "use-lite | glove | openai:URL#MODEL | onnx:DIR | A+B, e.g. use-lite+glove", "use-lite")
    .option("--encoder-api-key <key>", "API key of an openai: encoder")
    .option("--store <file-or-url>", STORE_OPTION_HELP)
    .option("--seed <n>", "seed of the split and the training", integerIn(0, MAX_SEED), 0)
    .option("--epochs <n>", "most training epochs", integerIn(1, MAX_EPOCHS))
    .addOption(threadsOption())
    .action(async (flags: DemoFlags) => {
      await checkOutputDir(flags.out);
      const started = Date.now();
      const loaded = await loadStandards();
      const { authored, degraded, train, heldOut } = await seedTrainingSplit(loaded, HELD_OUT_SHARE, flags.seed);
      const healthbench = seededSplitBy(
        (await Promise.all(DEMO_HEALTHBENCH.map(async (file) => (await loadExamples(packageFile(file))).rows))).flat(),
        (row) => row.prompt_id,
        HELD_OUT_SHARE,
        flags.seed,
      );
      process.stdout.write(
        `units: ${authored} authored + ${degraded} degraded; ${train.length} for training, ${heldOut.length} held out (${HELD_OUT_SHARE * 100}% of the questions)\n` +
          `HealthBench rows: ${healthbench.train.length} for training (physician pairs), ${healthbench.heldOut.length} held out\n`,
      );
      const input = { units: train, healthbench: healthbench.train };
      const store = await openStore(flags);
      try {
        const encoder = await openEncoder(flags.encoder, flags, store);
        const options = trainOptions({ seed: flags.seed, epochs: flags.epochs });
        const gprc = await trainAndReport(input, loaded, encoder, options, "training GPRC");
        const zero = await trainAndReport(
          input,
          loaded,
          encoder,
          { ...options, lambdas: { axis: 0, perp: 0, inv: 0, abs: 0 } },
          "training lambdas=0",
        );
        const data = {
          units: heldOut,
          healthbench: healthbench.heldOut,
          graded: (await loadGraded(packageFile(DEMO_GRADED))).rows,
        };
        // What GPRC adds: the network alone and the heads alone beside the stack, and the lambda-0 ablation with its own heads.
        const parts = await gprc.ablations();
        const models = { gprc: gprc.model, network: parts.network, heads: parts.heads, lambdas0: zero.model };
        const report = await runRmEval(models, gprc.config.dimensions, encoder.encoder, data);
        gprc.config.metrics = { rm_eval: report.models.gprc ?? {}, data: report.data };
        zero.config.metrics = { rm_eval: report.models.lambdas0 ?? {}, data: report.data };
        await gprc.save(join(flags.out, "model"));
        await zero.save(join(flags.out, "model-lambdas0"));
        const result = { kind: "rm-eval", file: report } as const;
        await writeFileAtomic(join(flags.out, "rm-eval.json"), resultText(result));
        const html = await writeReportBeside(join(flags.out, "rm-eval.json"), result);
        const summary = headline(report, (Date.now() - started) / 1000);
        await writeFileAtomic(join(flags.out, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
        process.stdout.write(`\n${formatDemoTable(report, { json: join(flags.out, "rm-eval.json"), html })}\n`);
        process.stdout.write(
          `wrote ${join(flags.out, "model")}, ${join(flags.out, "model-lambdas0")}, ${join(flags.out, "rm-eval.json")}, ${join(flags.out, "summary.json")}\nreport: ${html} (open it in a browser)\n`,
        );
      } finally {
        await store.close();
      }
    });
}

/** The few numbers a reader looks at first, per model. */
function headline(report: Awaited<ReturnType<typeof runRmEval>>, seconds: number) {
  const rows = Object.entries(report.models).map(([name, m]) => ({
    model: name,
    held_out_triple_order: m.units?.overall.triple_order ?? null,
    held_out_good_over_poor: m.units?.overall.good_over_poor ?? null,
    healthbench_ideal_win_rate: m.transfer?.overall.win_rate ?? null,
    rubric_spearman: m.correlation?.overall.spearman ?? null,
    probe_pass_rate: m.probes?.overall.pass_rate ?? null,
  }));
  const fmt = (x: number | null) => (x === null ? "n/a" : x.toFixed(3));
  const lines = rows.map(
    (r) =>
      `${r.model.padEnd(10)} held-out triple order ${fmt(r.held_out_triple_order)}, good>poor ${fmt(r.held_out_good_over_poor)}, ` +
      `HealthBench ideal wins ${fmt(r.healthbench_ideal_win_rate)}, rubric Spearman ${fmt(r.rubric_spearman)}, probes passed ${fmt(r.probe_pass_rate)}`,
  );
  return { seconds, models: rows, data: report.data, lines };
}
