/**
 * `medrubric standards show|validate|lock|coverage [FILE...]`: the merged standard, its
 * validation with the merge report, its canonical bundle and hash, and how a data set covers
 * its matrix. With no FILE the built-in standard is used; `builtin` names it among others.
 */
import type { Command } from "commander";
import { canonicalJson } from "../core/hash.js";
import { loadExamples } from "../healthbench/load.js";
import { checkOutputFiles, writeFileAtomic } from "../io/output-file.js";
import { resultText } from "../report/write-report.js";
import { assignCell, type CoverageReport, coverageReport } from "../standards/coverage.js";
import { createKeywordClassifier } from "../standards/keyword-classifier.js";
import { type LoadedStandard, loadStandards } from "../standards/load-standards.js";
import { standardBundle } from "../standards/lock.js";
import type { FileMergeReport } from "../standards/merge.js";
import { SECTIONS } from "../standards/schema.js";
import { deprecatedAlias } from "./cli-vocabulary.js";

const FILES_HELP = "standard files, later ones extending or changing earlier ones (default: the built-in; `builtin` names it)";

export function registerStandards(program: Command): void {
  const standards = program.command("standards").description("the medical standard: dimensions x scenarios x disciplines");

  standards
    .command("show")
    .description("print the merged standard")
    .argument("[files...]", FILES_HELP)
    .option("--json", "print the canonical bundle as JSON")
    .action(async (files: string[], flags: { json?: boolean }) => {
      const loaded = await loadStandards(files);
      process.stdout.write(flags.json ? `${JSON.stringify(standardBundle(loaded.standard), null, 2)}\n` : formatStandard(loaded));
    });

  standards
    .command("validate")
    .description("check the files and their merge; print what each file added and changed")
    .argument("[files...]", FILES_HELP)
    .action(async (files: string[]) => {
      const loaded = await loadStandards(files);
      process.stdout.write(`${formatMergeReport(loaded.report)}${summaryLine(loaded)}\n`);
    });

  standards
    .command("lock")
    .description("write the canonical bundle (sorted-key JSON); its sha256, also the file's, is the last line printed")
    .argument("[files...]", FILES_HELP)
    .requiredOption("--out <file>", "bundle file (JSON with dimensions, scenarios, disciplines, sources)")
    .action(async (files: string[], flags: { out: string }) => {
      await checkOutputFiles([flags.out], files);
      const loaded = await loadStandards(files);
      // Exactly the hashed bytes, so `sha256sum BUNDLE.json` prints the same hash.
      await writeFileAtomic(flags.out, canonicalJson(standardBundle(loaded.standard)));
      process.stdout.write(`wrote ${flags.out}\n${loaded.hash}\n`);
    });

  const coverage = standards
    .command("coverage")
    .description("place examples in the matrix (tags, else keywords) and count them per cell")
    .argument("[files...]", FILES_HELP)
    .requiredOption("--input <file>", "HealthBench-format examples")
    .option("--json", "print the report as one JSON object")
    .option("--out <file>", "also write the report (JSON: counts per cell and per dimension, empty cells)")
    .option("--skip-invalid", "skip examples that fail validation")
    .action(async (files: string[], flags: { input: string; json?: boolean; out?: string; skipInvalid?: boolean }) => {
      await checkOutputFiles([flags.out], [...files, flags.input]);
      const loaded = await loadStandards(files);
      const examples = await loadExamples(flags.input, { skipInvalid: flags.skipInvalid ?? false });
      const classifier = createKeywordClassifier(loaded.standard);
      const report = coverageReport(
        examples.rows.map((example) => assignCell(example, loaded.standard, classifier)),
        loaded.standard,
        loaded.hash,
      );
      if (flags.out) await writeFileAtomic(flags.out, resultText({ kind: "coverage", file: report }));
      process.stdout.write(flags.json ? resultText({ kind: "coverage", file: report }, 0) : formatCoverage(report, flags.input));
    });
  deprecatedAlias(coverage, "--data <file>", "--input");
}

/** "1 source", "2 sources": a count with its noun. */
const counted = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

const summaryLine = ({ standard, hash }: LoadedStandard) =>
  `${counted(standard.dimensions.length, "dimension")}, ${counted(standard.scenarios.length, "scenario")}, ` +
  `${counted(standard.disciplines.length, "discipline")}, ${counted(standard.sources.length, "source")}; sha256 ${hash}`;

function formatMergeReport(report: readonly FileMergeReport[]): string {
  return report
    .map(({ file, added, changed }) => {
      const lines = [file];
      for (const section of SECTIONS) {
        if (added[section].length > 0) lines.push(`  added ${section}: ${added[section].join(", ")}`);
        for (const { id, fields } of changed[section]) lines.push(`  changed ${section} ${id}: ${fields.join(", ")}`);
      }
      return `${lines.join("\n")}\n`;
    })
    .join("");
}

function formatStandard(loaded: LoadedStandard): string {
  const { standard } = loaded;
  const top = (weights: Record<string, number>) =>
    Object.entries(weights)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([dimension, weight]) => `${dimension} ${weight}`)
      .join(", ");
  const lines = [
    `standard from ${loaded.files.join(" + ")}`,
    summaryLine(loaded),
    "",
    "dimensions (id, HealthBench axis, name):",
    ...standard.dimensions.map((d) => `  ${d.id.padEnd(24)}${(d.healthbench_axis ?? "-").padEnd(24)}${d.name}`),
    "",
    "scenarios (id, HealthBench theme, heaviest weights):",
    ...standard.scenarios.map((s) => `  ${s.id.padEnd(28)}${(s.healthbench_theme ?? "-").padEnd(22)}${top(s.weights)}`),
    "",
    "disciplines (id, name, sub-specialties):",
    ...standard.disciplines.map((d) => `  ${d.id.padEnd(24)}${d.name} (${d.subspecialties.length})`),
    "",
    "sources:",
    ...standard.sources.map((s) => `  ${s.id}: ${s.title}, ${s.publisher}, version ${s.version} (${s.date})`),
  ];
  return `${lines.join("\n")}\n`;
}

function formatCoverage(report: CoverageReport, data: string): string {
  const cells = report.scenarios.length * report.disciplines.length;
  const lines = [
    `coverage of ${data}: ${report.n_examples} examples, standard ${report.standards_hash.slice(0, 12)}`,
    `scenario by tag ${report.assigned_by.scenario.tag}, by keywords ${report.assigned_by.scenario.classifier}, unassigned ${report.unassigned.scenario}; ` +
      `discipline by tag ${report.assigned_by.discipline.tag}, by keywords ${report.assigned_by.discipline.classifier}, unassigned ${report.unassigned.discipline}`,
    `${cells - report.empty_cells.length} of ${cells} cells covered`,
    "",
    `examples per cell (columns: ${report.disciplines.map((d, i) => `${i + 1}=${d}`).join(" ")})`,
    `${"".padEnd(28)}${report.disciplines.map((_, i) => String(i + 1).padStart(4)).join("")}`,
    ...report.scenarios.map(
      (s, i) => `${s.padEnd(28)}${(report.counts[i] ?? []).map((n) => (n === 0 ? "." : String(n)).padStart(4)).join("")}`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}
