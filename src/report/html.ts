/** The HTML pieces every report section is built of: escaping, numbers, tables, figures. */

export const escapeHtml = (text: unknown): string =>
  String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] as string);

/** A number to three decimals (integers as they are); a missing value as "-". */
export const fmt = (x: unknown, digits = 3): string =>
  typeof x === "number" ? (Number.isInteger(x) ? String(x) : x.toFixed(digits)) : x === null || x === undefined ? "-" : escapeHtml(x);

/** A table cell: text, or a value marked as the best of its row. */
export type CellValue = unknown | { value: unknown; best: true };

const isBest = (c: CellValue): c is { value: unknown; best: true } =>
  typeof c === "object" && c !== null && (c as { best?: unknown }).best === true;

const cell = (c: CellValue) => (isBest(c) ? `<td class="best"><strong>${fmt(c.value)}</strong> ★</td>` : `<td>${fmt(c)}</td>`);

export const table = (header: string[], rows: CellValue[][]): string =>
  `<table><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr>${rows.map((r) => `<tr>${r.map(cell).join("")}</tr>`).join("")}</table>`;

export const figure = (svg: string): string => `<figure class="chart">${svg}</figure>`;

export const paragraph = (text: string): string => `<p>${escapeHtml(text)}</p>`;
