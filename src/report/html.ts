/** The HTML pieces every report section is built of: escaping, numbers, tables, figures. */

export const escapeHtml = (text: unknown): string =>
  String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] as string);

/** A number to three decimals (integers as they are); a missing value as "-". */
export const fmt = (x: unknown, digits = 3): string =>
  typeof x === "number" ? (Number.isInteger(x) ? String(x) : x.toFixed(digits)) : x === null || x === undefined ? "-" : escapeHtml(x);

/** A cell's value marked as the best of its row: bold with a star. */
export interface Best {
  value: unknown;
  best: true;
}

const isBest = (c: unknown): c is Best => typeof c === "object" && c !== null && (c as Partial<Best>).best === true;

const cell = (c: unknown) => (isBest(c) ? `<td class="best"><strong>${fmt(c.value)}</strong> ★</td>` : `<td>${fmt(c)}</td>`);

/** A table of text and numbers; a cell may be a `Best`. */
export const table = (header: string[], rows: unknown[][]): string =>
  `<table><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr>${rows.map((r) => `<tr>${r.map(cell).join("")}</tr>`).join("")}</table>`;

export const figure = (svg: string): string => `<figure class="chart">${svg}</figure>`;

export const paragraph = (text: string): string => `<p>${escapeHtml(text)}</p>`;
