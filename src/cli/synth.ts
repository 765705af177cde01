/**
 * `medrubric synth generate|degrade|stats`: training units made with an LLM guided by the
 * matrix and checked by the judge, made offline by rule-based degradation of good answers, and
 * described (counts, and the length bias a reward model could exploit).
 */
import type { Command } from "commander";
import pLimit from "p-limit";
import { InputError, UsageError } from "../core/errors.js";
import { hashJson } from "../core/hash.js";
import { readJsonl, writeJsonl } from "../io/jsonl.js";
import { checkOutputFiles } from "../io/output-file.js";
import { loadGraderPrompt } from "../judge/grader-prompt.js";
import { createRubricJudge } from "../judge/rubric-judge.js";
import { createKeywordClassifier } from "../standards/keyword-classifier.js";
import { loadStandards } from "../standards/load-standards.js";
import { openStore, STORE_OPTION_HELP, storePath } from "../store/open-store.js";
import { degradeRow, goodRowSchema } from "../synth/degrade/degrade-units.js";
import { EDITS } from "../synth/degrade/edits.js";
import { loadSynthPrompts, synthesizeQuestion, type UnitOutcome } from "../synth/generate-units.js";
import { planQuestions } from "../synth/plan.js";
import { loadUnits, type Unit } from "../synth/unit.js";
import { unitStats } from "../synth/unit-stats.js";
import { deprecatedAlias } from "./cli-vocabulary.js";
import { integerIn, MAX_SEED, numberIn } from "./flag-ranges.js";
import { formatUsage } from "./grading-session.js";
import { addLlmOptions, createClientFromFlags, GENERATOR, JUDGE } from "./llm-options.js";
import { createProgress } from "./progress.js";

const list = (value: string) => value.split(",").map((item) => item.trim());

interface GenerateFlags extends Record<string, unknown> {
  standard?: string[];
  n: number;
  out: string;
  seed: number;
  minWeight: number;
  dimensions?: string[];
  store?: string;
  concurrency: number;
  maxRetries: number;
  llmModel: string;
  judgeUrl?: string[];
}

export function registerSynth(program: Command): void {
  const synth = program.command("synth").description("training units: a question, one dimension, good > medium > poor answers");

  const generate = synth
    .command("generate")
    .description(
      "write questions for matrix cells and good/medium/poor answers per dimension with an LLM; keep the units the judge orders right",
    )
    .option("--standard <files...>", "standard files (default: the built-in; `builtin` names it)")
    .requiredOption("--n <questions>", "questions to write, spread evenly over the (scenario, discipline) cells", integerIn(1, 1_000_000))
    .requiredOption("--out <file>", "units (JSONL)")
    .option("--seed <n>", "seed of the cell order", integerIn(0, MAX_SEED), 0)
    .option("--min-weight <x>", "degrade the dimensions a scenario weighs at least this much", numberIn(0, 1), 0.1)
    .option("--dimensions <ids>", "only these dimensions (comma-separated)", list)
    .option("--store <file-or-url>", STORE_OPTION_HELP)
    .option("--concurrency <n>", "questions worked on at once", integerIn(1, 1024), 4)
    .option("--max-retries <n>", "times an unusable LLM answer is asked again", integerIn(0, 10), 2);
  addLlmOptions(generate, GENERATOR);
  addLlmOptions(generate, JUDGE, true).action(async (flags: GenerateFlags) => {
    await checkOutputFiles([flags.out], [...(flags.standard ?? []), storePath(flags)]);
    if (flags.judgeUrl && !flags.judgeModel) throw new UsageError("--judge-url needs --judge-model");
    const { standard, hash } = await loadStandards(flags.standard ?? []);
    const plan = planQuestions(standard, flags.n, { seed: flags.seed, minWeight: flags.minWeight, dimensions: flags.dimensions });
    const llm = createClientFromFlags(flags, GENERATOR, flags.concurrency * 3);
    const judgeClient = flags.judgeUrl ? createClientFromFlags(flags, JUDGE, flags.concurrency * 3) : llm;
    const judge = createRubricJudge({ client: judgeClient, prompt: await loadGraderPrompt() });
    const store = await openStore(flags);
    const { id: runId } = await store.startRun(hashJson(["synth", hash, judge.id, judge.promptVersion]), {
      kind: "synth",
      config: { plan: flags.n, seed: flags.seed },
      dataHash: hash,
      judgeModel: judge.model,
      promptVersion: judge.promptVersion,
    });
    const progress = createProgress({ label: "questions", total: plan.length });
    const outcomes: UnitOutcome[] = [];
    const context = {
      llm,
      judge,
      store,
      runId,
      standard,
      standardsHash: hash,
      prompts: await loadSynthPrompts(),
      maxRetries: flags.maxRetries,
    };
    const limit = pLimit(flags.concurrency);
    let done = 0;
    try {
      await Promise.all(
        plan.map((item) =>
          limit(async () => {
            outcomes.push(...(await synthesizeQuestion(item, context)));
            progress.update(++done);
          }),
        ),
      );
    } finally {
      progress.stop();
      await store.close();
    }
    const kept = outcomes.flatMap((o) => (o.kind === "kept" ? [o.unit] : [])).sort((a, b) => a.id.localeCompare(b.id));
    await writeJsonl(flags.out, kept);
    const rejected = outcomes.filter((o) => o.kind === "rejected");
    const failed = outcomes.filter((o) => o.kind === "failed");
    for (const o of [...failed, ...rejected].slice(0, 5)) if (o.kind !== "kept") process.stderr.write(`${o.kind} ${o.id}: ${o.reason}\n`);
    const judged = kept.length + rejected.length;
    const rate = judged === 0 ? 0 : rejected.length / judged;
    const usage = [formatUsage({ label: `generator ${flags.llmModel}`, usage: llm.usage() })];
    if (judgeClient !== llm) usage.push(formatUsage({ label: `judge ${judge.model}`, usage: judgeClient.usage() }));
    process.stdout.write(
      `units: ${outcomes.length} planned, ${kept.length} kept, ${rejected.length} rejected by the judge (rejection rate ${(100 * rate).toFixed(1)}%), ${failed.length} failed\n` +
        `${usage.join("\n")}\nstandard ${hash}\nwrote ${flags.out}\n`,
    );
  });

  const degrade = synth
    .command("degrade")
    .description("make units offline from good answers with rule-based edits, one per dimension")
    .requiredOption("--input <file>", 'good answers: JSONL of {"id", "prompt": [messages], "good", "scenario"?, "discipline"?}')
    .requiredOption("--out <file>", "units (JSONL)")
    .option("--standard <files...>", "standard files (default: the built-in; `builtin` names it)")
    .option("--dimensions <ids>", "only these dimensions (comma-separated)", list)
    .action(async (flags: { input: string; out: string; standard?: string[]; dimensions?: string[] }) => {
      await checkOutputFiles([flags.out], [flags.input, ...(flags.standard ?? [])]);
      const { standard, hash } = await loadStandards(flags.standard ?? []);
      const context = { standard, standardsHash: hash, classifier: createKeywordClassifier(standard), dimensions: flags.dimensions };
      const units: Unit[] = [];
      const applied: Record<string, { made: number; skipped: number }> = {};
      for (const edit of EDITS) applied[edit.dimension] = { made: 0, skipped: 0 };
      for await (const { value } of readJsonl(flags.input, goodRowSchema)) {
        const result = degradeRow(value, context);
        units.push(...result.units);
        for (const unit of result.units) (applied[unit.dimension] as { made: number }).made++;
        for (const dimension of result.skipped) (applied[dimension] as { skipped: number }).skipped++;
      }
      await writeJsonl(flags.out, units);
      const lines = Object.entries(applied)
        .filter(([dimension]) => !flags.dimensions || flags.dimensions.includes(dimension))
        .map(
          ([dimension, { made, skipped }]) =>
            `  ${dimension.padEnd(24)}${String(made).padStart(5)} made ${String(skipped).padStart(5)} skipped (the edit did not apply)`,
        );
      process.stdout.write(`units: ${units.length}\n${lines.join("\n")}\nstandard ${hash}\nwrote ${flags.out}\n`);
    });
  deprecatedAlias(degrade, "--in <file>", "--input");

  synth
    .command("stats")
    .description("counts per dimension, scenario, discipline and source, and answer lengths per quality level")
    .argument("<files...>", "unit files")
    .option("--json", "print one JSON object")
    .action(async (files: string[], flags: { json?: boolean }) => {
      const units = await loadUnits(files);
      if (units.length === 0) throw new InputError({ file: files.join(", ") }, "no units");
      const stats = unitStats(units);
      process.stdout.write(flags.json ? `${JSON.stringify(stats)}\n` : formatStats(stats));
    });
}

function formatStats(stats: ReturnType<typeof unitStats>): string {
  const table = (title: string, counts: Record<string, number>) =>
    [
      title,
      ...Object.entries(counts)
        .sort((a, b) => b[1] - a[1])
        .map(([key, n]) => `  ${key.padEnd(28)}${String(n).padStart(6)}`),
    ].join("\n");
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const { length, length_baseline: baseline, poor_to_good_ratio: ratio } = stats;
  return `${[
    `${stats.n_units} units from ${stats.n_questions} questions`,
    table("by dimension", stats.by_dimension),
    table("by scenario", stats.by_scenario),
    table("by discipline", stats.by_discipline),
    table("by source", stats.by_source),
    "answer length in characters (mean / median)",
    ...(["good", "medium", "poor"] as const).map(
      (level) => `  ${level.padEnd(8)}${length[level].mean.toFixed(0).padStart(7)} / ${length[level].median.toFixed(0)}`,
    ),
    `poor / good length: median ${ratio.median.toFixed(2)}, 10th-90th percentile ${ratio.p10.toFixed(2)}-${ratio.p90.toFixed(2)}`,
    `length-only baseline (the longer answer is the better one): good>medium ${pct(baseline.good_over_medium)}, medium>poor ${pct(baseline.medium_over_poor)}, good>poor ${pct(baseline.good_over_poor)}, triple order ${pct(baseline.triple_order)}`,
  ].join("\n")}\n`;
}
