/**
 * Charts as inline SVG: Vega-Lite specs compiled and rendered in Node (no browser, no network),
 * so a report is one self-contained HTML file.
 */
import type { TopLevelSpec } from "vega-lite";

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  // Loaded on first use: Vega and Vega-Lite take about 0.3 s to import, which no other command should pay.
  const [vega, { compile }] = await Promise.all([import("vega"), import("vega-lite")]);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

const base = {
  $schema: "https://vega.github.io/schema/vega-lite/v6.json",
  config: { font: "sans-serif", view: { stroke: null } },
} as const;

/** Bars with a confidence interval: rows of {label, group?, value, low, high}; a tick and the written value mark each bar, so a 0 shows. */
export function intervalBars(
  title: string,
  rows: { label: string; group?: string; value: number; low: number; high: number }[],
  axis = "score",
): TopLevelSpec {
  const groups = [...new Set(rows.flatMap((r) => (r.group ? [r.group] : [])))];
  const yOffset = groups.length ? { yOffset: { field: "group", sort: null } } : {};
  const color = groups.length
    ? { color: { field: "group", type: "nominal" as const, title: null, sort: null, scale: seriesScale(groups) } }
    : {};
  const y = { field: "label", type: "nominal" as const, title: null, sort: null, axis: { labelLimit: 320 } };
  const x = { field: "value", type: "quantitative" as const, title: axis, scale: { domain: [0, 1] } };
  return {
    ...base,
    title,
    data: { values: rows },
    width: 420,
    layer: [
      { mark: { type: "bar", opacity: 0.8 }, encoding: { y, x, ...color, ...yOffset } },
      { mark: { type: "tick", color: "#000", thickness: 2 }, encoding: { y, x, ...yOffset } },
      {
        mark: { type: "rule" },
        encoding: { y, x: { field: "low", type: "quantitative" }, x2: { field: "high" }, ...yOffset },
      },
      // The value written at the interval's end, so a score of 0 reads "0.000", not as missing data.
      {
        mark: { type: "text", align: "left", dx: 4, fontSize: 9 },
        encoding: {
          y,
          x: { field: "high", type: "quantitative" },
          text: { field: "value", type: "quantitative", format: ".3f" },
          ...yOffset,
        },
      },
    ],
  } as TopLevelSpec;
}

/**
 * Colours of models (series): blues and purples for models, greys for the baselines, never the
 * green, yellow and red that mean good, medium and poor in the score distributions, so a colour
 * means one thing on the page, and a model keeps its colour from chart to chart.
 */
const MODEL_COLORS = ["#1f4e79", "#6fa8dc", "#8e6bbf", "#3d85c6", "#5b3f8c", "#b4a7d6"];
const BASELINE_COLORS = ["#7f7f7f", "#b7b7b7", "#4a4a4a", "#d0d0d0"];
export const LEVEL_COLORS = { good: "#2a9d8f", medium: "#e9c46a", poor: "#e76f51" } as const;

/** rm-eval's baselines, alone or prefixed by their result's name in a comparison. */
const isBaseline = (series: string) => /(^|: )(length|cosine)$/.test(series);

export function seriesScale(series: readonly string[]) {
  let models = 0;
  let baselines = 0;
  const range = series.map((name) =>
    isBaseline(name)
      ? (BASELINE_COLORS[baselines++ % BASELINE_COLORS.length] as string)
      : (MODEL_COLORS[models++ % MODEL_COLORS.length] as string),
  );
  return { domain: [...series], range };
}

/** Colour by the `series` field, each model keeping its colour; the legend goes below the chart (on the right, values written beside the longest bars ran into it). */
const seriesColor = (series: readonly string[]) => ({
  field: "series",
  type: "nominal" as const,
  title: null,
  sort: null,
  scale: seriesScale(series),
  legend: { orient: "bottom" as const, direction: "horizontal" as const },
});

export interface BarOptions {
  /** The value axis's title. */
  axis: string;
  /** The model names in the order they get their colours (seriesScale). */
  series: readonly string[];
  /** The value a random ranking gets, drawn as a dark tick on every category. */
  chance?: number;
  domain?: [number, number];
}

/**
 * Grouped bars: rows of {category, series, value, n?}. Every bar also gets a tick at its value and the
 * value written beside it, so a 0 is seen as a 0 rather than as missing data.
 */
export function groupedBars(
  title: string,
  allRows: { category: string; series: string; value: number | null; n?: number }[],
  options: BarOptions,
): TopLevelSpec {
  // A category resting on no data would be an empty row of the chart: it is left out.
  const rows = allRows.filter((r) => r.n !== 0);
  // No label limit: Node renders without a canvas, so label widths are estimated, and a limit cut long ones short.
  const y = { field: "category", type: "nominal" as const, title: null, sort: null, axis: { labelLimit: 0 } };
  const x = { field: "value", type: "quantitative" as const, title: options.axis, scale: { domain: options.domain ?? [0, 1] } };
  const grouped = { y, yOffset: { field: "series", sort: null }, x };
  const values = rows.filter((r) => r.value !== null);
  const chance =
    options.chance === undefined
      ? []
      : [
          {
            data: { values: [...new Set(rows.map((r) => r.category))].map((category) => ({ category, value: options.chance })) },
            mark: { type: "tick", color: "#222", thickness: 2 },
            encoding: { y, x },
          },
        ];
  return {
    ...base,
    title: options.chance === undefined ? title : { text: title, subtitle: `black tick: chance (${+options.chance.toFixed(3)})` },
    width: 420,
    layer: [
      {
        data: { values },
        mark: "bar",
        encoding: {
          ...grouped,
          color: seriesColor(options.series),
        },
      },
      { data: { values }, mark: { type: "tick", color: "#000", thickness: 1 }, encoding: grouped },
      {
        data: { values },
        mark: { type: "text", align: "left", dx: 4, fontSize: 9 },
        encoding: { ...grouped, text: { field: "value", type: "quantitative", format: ".2f" } },
      },
      ...chance,
    ],
  } as TopLevelSpec;
}

/** The fill of a heatmap cell with a count of 0: white, where the blues scheme would start pale blue. */
export const EMPTY_CELL_FILL = "#ffffff";

/** A heatmap of counts: rows of {row, column, count}; empty cells white with a grey outline, so a gap reads as one. */
export function heatmap(title: string, cells: { row: string; column: string; count: number }[]): TopLevelSpec {
  return {
    ...base,
    title,
    data: { values: cells },
    mark: { type: "rect", stroke: "#d0d0d0", strokeWidth: 0.5 },
    encoding: {
      y: { field: "row", type: "nominal", title: null, sort: null },
      x: { field: "column", type: "nominal", title: null, sort: null, axis: { labelAngle: -45 } },
      color: {
        condition: { test: "datum.count === 0", value: EMPTY_CELL_FILL },
        field: "count",
        type: "quantitative",
        scale: { scheme: "blues", domain: [0, Math.max(1, ...cells.map((c) => c.count))] },
        title: "examples",
      },
      tooltip: [{ field: "row" }, { field: "column" }, { field: "count" }],
    },
  } as TopLevelSpec;
}

/** Distributions of scores per level: rows of {series, level, score}, as box plots. */
export function distributions(title: string, rows: { series: string; level: string; score: number }[]): TopLevelSpec {
  return {
    ...base,
    title,
    data: { values: rows },
    width: 420,
    mark: { type: "boxplot", extent: "min-max" },
    encoding: {
      y: { field: "series", type: "nominal", title: null, sort: null },
      yOffset: { field: "level", sort: ["good", "medium", "poor"] },
      x: { field: "score", type: "quantitative", title: "score on the unit's dimension", scale: { domain: [0, 1] } },
      color: {
        field: "level",
        type: "nominal",
        sort: ["good", "medium", "poor"],
        scale: { domain: ["good", "medium", "poor"], range: Object.values(LEVEL_COLORS) },
      },
    },
  } as TopLevelSpec;
}

/**
 * A reliability diagram: per model, the share of criteria met against the mean P(met) of each
 * bin (points sized by the criteria in the bin), over the diagonal a calibrated model follows.
 */
export function reliability(
  title: string,
  rows: { series: string; p: number; rate: number; n: number }[],
  series: readonly string[],
): TopLevelSpec {
  const x = { field: "p", type: "quantitative" as const, title: "P(met) the model gave (bin mean)", scale: { domain: [0, 1] } };
  const y = {
    field: "rate",
    type: "quantitative" as const,
    title: "share of those criteria the grader found met",
    scale: { domain: [0, 1] },
  };
  const color = { field: "series", type: "nominal" as const, title: null, sort: null, scale: seriesScale(series) };
  return {
    ...base,
    title: { text: title, subtitle: "grey diagonal: perfectly calibrated" },
    width: 360,
    height: 360,
    layer: [
      {
        data: {
          values: [
            { p: 0, rate: 0 },
            { p: 1, rate: 1 },
          ],
        },
        mark: { type: "line", color: "#999", strokeDash: [4, 4] },
        encoding: { x, y },
      },
      { data: { values: rows }, mark: { type: "line", point: false }, encoding: { x, y, color } },
      {
        data: { values: rows },
        mark: { type: "circle", opacity: 0.8 },
        encoding: {
          x,
          y,
          color,
          size: { field: "n", type: "quantitative", title: "criteria" },
          tooltip: [{ field: "series" }, { field: "n" }],
        },
      },
    ],
  } as TopLevelSpec;
}

/** Lines with a point at each value: rows of {series, x, y}, one line per series, y a share in [0, 1]. */
export function lines(
  title: string,
  rows: { series: string; x: number; y: number }[],
  options: { x: string; y: string; series: readonly string[] },
): TopLevelSpec {
  return {
    ...base,
    title,
    width: 420,
    height: 260,
    data: { values: rows },
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "x", type: "quantitative", title: options.x, axis: { tickMinStep: 1 } },
      y: { field: "y", type: "quantitative", title: options.y, axis: { format: ".0%" }, scale: { domain: [0, 1] } },
      color: seriesColor(options.series),
      tooltip: [{ field: "series" }, { field: "x" }, { field: "y", format: ".1%" }],
    },
  } as TopLevelSpec;
}
