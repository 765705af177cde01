/**
 * Benchmark for issue 30 part 6: `medrubric reward` as a command on new answers (the first N real
 * HealthBench Hard answers of the shared graded file; GloVe caches no vector, so every answer is
 * new), with and without their rubrics: the wall time of the whole process (start-up, loading the
 * model, scoring, writing), and of the same command on one answer (what the process costs before
 * it scores anything). The model is trained here over GloVe on the seed units and the demo's
 * graded answers, so it has both heads, and is shared by every build measured: `--baseline-cli`
 * names another build's dist/cli/main.js (the code before a change), run in turn with this one.
 *
 *   node --import tsx bench/reward-command.ts [--runs 5] [--n 2000] [--baseline-cli PATH] [--graded FILE]
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { DEMO_GRADED } from "../src/cli/demo.js";
import { createEncoder } from "../src/encoders/encoder-spec.js";
import { loadGraded } from "../src/healthbench/load.js";
import { completionText } from "../src/healthbench/schema.js";
import { packageFile } from "../src/io/package-files.js";
import { trainRewardModel } from "../src/rm/reward-model-files.js";
import { DEFAULT_TRAIN_OPTIONS } from "../src/rm/train-options.js";
import { loadStandards } from "../src/standards/load-standards.js";
import { loadSeedUnits } from "../src/synth/seed-set.js";
import { projectRoot, sharedHealthBenchFile } from "../test/shared-data.js";
import { median, numberFlag, printReport } from "./markdown-report.js";

const flag = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const runs = numberFlag("--runs", 5);
const n = numberFlag("--n", 2000);
const gradedFile = flag("--graded") ?? sharedHealthBenchFile("graded_hard_responses.jsonl");
const builds: [string, string][] = [["this build", join(projectRoot, "dist/cli/main.js")]];
const baseline = flag("--baseline-cli");
if (baseline) builds.unshift(["baseline", baseline]);

const dir = await mkdtemp(join(tmpdir(), "medrubric-bench-reward-"));
const glove = await createEncoder("glove");
const trained = await trainRewardModel(
  { units: await loadSeedUnits(), graded: (await loadGraded(packageFile(DEMO_GRADED))).rows },
  await loadStandards(),
  { spec: "glove", encoder: glove },
  { ...DEFAULT_TRAIN_OPTIONS, maxEpochs: 2 },
);
const model = join(dir, "model");
await trained.save(model);

const rows = (await loadGraded(gradedFile)).rows.slice(0, n);
const items = rows.map((row, i) => ({ id: i, prompt: row.prompt, response: completionText(row.completion), rubrics: row.rubrics }));
const inputs: Record<string, { file: string; count: number }> = {};
const input = async (name: string, lines: object[]) => {
  const file = join(dir, `${name}.jsonl`);
  await writeFile(file, lines.map((line) => JSON.stringify(line)).join("\n"));
  inputs[name] = { file, count: lines.length };
};
await input("rubric", items);
await input(
  "plain",
  items.map(({ rubrics: _, ...item }) => item),
);
await input("one", items.slice(0, 1));

/** Wall seconds of one `reward` run of `cli` on `name`'s input. */
function wall(cli: string, name: string): number {
  const start = performance.now();
  const { file } = inputs[name] as { file: string };
  execFileSync(
    process.execPath,
    [cli, "reward", "--model", model, "--input", file, "--out", join(dir, "out.jsonl"), "--store", join(dir, "store.sqlite")],
    {
      stdio: ["ignore", "ignore", "ignore"],
    },
  );
  return (performance.now() - start) / 1000;
}

// Once, unmeasured, with each build: GloVe's vectors are converted into the store's directory on first use.
for (const [, cli] of builds) wall(cli, "one");
const load = [loadavg()[0] as number];
const times = new Map<string, number[]>();
for (let r = 0; r < runs; r++)
  for (const [build, cli] of builds)
    for (const name of ["one", "plain", "rubric"]) {
      const key = `${build}, ${name}`;
      times.set(key, [...(times.get(key) ?? []), wall(cli, name)]);
    }
load.push(loadavg()[0] as number);

const table: string[] = [];
for (const [build] of builds) {
  const t = (name: string) => median(times.get(`${build}, ${name}`) ?? []);
  table.push(`| ${build}: one answer (start-up and model load) | ${t("one").toFixed(2)} s | - | - |`);
  for (const name of ["plain", "rubric"]) {
    const count = inputs[name]?.count ?? 0;
    const what = name === "plain" ? "without rubrics" : "with their rubrics";
    table.push(
      `| ${build}: ${count.toLocaleString("en")} new answers ${what} | ${t(name).toFixed(2)} s | ${(count / t(name)).toFixed(0)} | ${(count / (t(name) - t("one"))).toFixed(0)} |`,
    );
  }
}
table.push(`| load average (1 min) before / after | ${load.map((x) => x.toFixed(1)).join(" / ")} | | |`);
table.push(`| per run (s) | ${[...times].map(([key, values]) => `${key} ${values.map((v) => v.toFixed(2)).join(", ")}`).join("; ")} | | |`);
await rm(dir, { recursive: true });
printReport(runs, ["reward command", "wall, median", "answers/s", "answers/s past the first answer"], table);
