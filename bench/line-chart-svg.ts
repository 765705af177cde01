/** A small self-contained SVG line chart for a bench's figures (no script, opens in any browser). */

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  /** y in [0, 1], shown as percentages. */
  series: { name: string; points: [number, number][] }[];
}

const COLOURS = ["#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#6c4f99"];
const escapeText = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;");

export function lineChartSvg(chart: LineChart): string {
  const [w, h, left, right, top, bottom] = [640, 360, 60, 150, 40, 50];
  const xs = chart.series.flatMap((s) => s.points.map(([x]) => x));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs, Math.min(...xs) + 1)];
  const px = (x: number) => left + ((x - x0) / (x1 - x0)) * (w - left - right);
  const py = (y: number) => h - bottom - y * (h - top - bottom);
  const grid = [0, 0.25, 0.5, 0.75, 1].map(
    (y) =>
      `<line x1="${left}" x2="${w - right}" y1="${py(y)}" y2="${py(y)}" stroke="#ddd"/><text x="${left - 6}" y="${py(y) + 4}" text-anchor="end">${y * 100}%</text>`,
  );
  const ticks = [...new Set(xs)].map((x) => `<text x="${px(x)}" y="${h - bottom + 16}" text-anchor="middle">${x}</text>`);
  const lines = chart.series.map((s, k) => {
    const colour = COLOURS[k % COLOURS.length];
    const path = s.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(" ");
    return `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${path}"/><text x="${w - right + 10}" y="${top + 16 * (k + 1)}" fill="${colour}">${escapeText(s.name)}</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="11">`,
    `<text x="${w / 2}" y="20" text-anchor="middle" font-size="14">${escapeText(chart.title)}</text>`,
    ...grid,
    ...ticks,
    ...lines,
    `<text x="${(left + w - right) / 2}" y="${h - 12}" text-anchor="middle">${escapeText(chart.xLabel)}</text>`,
    `<text transform="translate(14 ${(top + h - bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeText(chart.yLabel)}</text>`,
    "</svg>",
    "",
  ].join("\n");
}
