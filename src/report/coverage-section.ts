/** A standards coverage in a report: the scenario x discipline heatmap, overall and per dimension with rubric items. */
import { heatmap, renderSvg } from "./charts.js";
import { escapeHtml, figure, paragraph } from "./html.js";
import type { NamedResult } from "./read-result.js";
import type { CoverageReportFile } from "./result-schemas.js";

/** Dimensions of a coverage result that some example has rubric items of (one heatmap each). */
export const coveredDimensions = (coverage: CoverageReportFile): string[] =>
  Object.entries(coverage.by_dimension).flatMap(([d, matrix]) => (matrix.flat().some((n) => n > 0) ? [d] : []));

/** One coverage result; `name` (its file's) heads it only when several are shown side by side. */
async function oneCoverage(name: string | undefined, coverage: CoverageReportFile): Promise<string> {
  const cells = (matrix: number[][]) =>
    coverage.scenarios.flatMap((row, s) => coverage.disciplines.map((column, d) => ({ row, column, count: matrix[s]?.[d] ?? 0 })));
  const total = coverage.scenarios.length * coverage.disciplines.length;
  const parts = [
    `${name === undefined ? "" : `<h2>${escapeHtml(name)}</h2>`}<p>${coverage.n_examples} examples; ${total - coverage.empty_cells.length} of ${total} cells covered; standard ${escapeHtml(coverage.standards_hash.slice(0, 12))}.</p>`,
    figure(await renderSvg(heatmap("Examples per scenario x discipline", cells(coverage.counts)))),
  ];
  const covered = coveredDimensions(coverage);
  for (const dimension of covered) {
    const matrix = coverage.by_dimension[dimension] ?? [];
    parts.push(figure(await renderSvg(heatmap(`Examples with ${dimension} rubric items`, cells(matrix)))));
  }
  const absent = Object.keys(coverage.by_dimension).filter((d) => !covered.includes(d));
  if (absent.length) parts.push(`<p>No example has rubric items of: ${absent.map(escapeHtml).join(", ")}.</p>`);
  return parts.join("");
}

export async function coverageSection(results: NamedResult[]): Promise<string> {
  const parts = [
    paragraph(
      "Each heatmap counts the examples that fall in a cell of the standard's matrix: a scenario (row) and a discipline (column), " +
        "from the examples' tags or else from keywords in their questions. The first is every example; the others only those with rubric items of one dimension. " +
        "A white cell (no examples) is a gap the data does not cover.",
    ),
  ];
  for (const { name, result } of results)
    if (result.kind === "coverage") parts.push(await oneCoverage(results.length > 1 ? name : undefined, result.file));
  return parts.join("");
}
