/**
 * A report's Examples section: every graded answer, to be filtered, sorted and opened to its
 * conversation, answer(s), criteria, verdicts and the judge's explanations, in one run or two
 * side by side. The data (examples-data.ts) is embedded as gzip in base64, which needs no
 * escaping inside <script> and keeps a 4,532-answer run near 9 MB: the index (scores, verdicts,
 * prompts, criteria) in one block, the answers and explanations in blocks of TEXT_BLOCK answers.
 * The page script (data/report/explorer.js) unpacks them with the browser's DecompressionStream,
 * lists the rows from the index alone, reads text blocks as rows are opened and in the background,
 * and makes rows as they are scrolled to. Its hash goes into the page's Content-Security-Policy, so no other script,
 * and nothing from the network, can run or load.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { packageFile } from "../io/package-files.js";
import { type ExamplesCounts, type ExamplesRun, examplesData } from "./examples-data.js";
import { escapeHtml, paragraph } from "./html.js";

let script: string | undefined;
/** The page script, read once; it may not contain what would end its <script> element. */
export function explorerScript(): string {
  if (script === undefined) {
    const text = readFileSync(packageFile("data/report/explorer.js"), "utf8");
    if (/<\/script|<!--/i.test(text)) throw new Error("data/report/explorer.js must not contain </script or <!--");
    script = text;
  }
  return script;
}

/** The CSP source that lets the page script, and only it, run. */
export const explorerScriptSource = (): string => `'sha256-${createHash("sha256").update(explorerScript()).digest("base64")}'`;

const STYLE =
  ".ex-controls label{margin-right:1em;white-space:nowrap;line-height:2.2}" +
  "table.ex-table{width:100%}table.ex-table td.text,table.criteria td.text{text-align:left}" +
  "tr.ex-row{cursor:pointer}tr.ex-row:hover,tr.ex-row:focus{background:#f3f6fb}tr.ex-row[aria-expanded=true]{background:#eef3fa}" +
  // A row opens on click: the triangle says so before anyone tries.
  'tr.ex-row>td:first-child::before{content:"▸ ";color:#1f4e79}tr.ex-row[aria-expanded=true]>td:first-child::before{content:"▾ "}' +
  // A criterion or explanation written on several lines keeps its line breaks.
  "table.criteria td.text,table.criteria td.expl{white-space:pre-wrap}" +
  "tr.differ td:first-child{border-left:4px solid #c4561d}td.mark{color:#c4561d;font-weight:bold;text-align:center}" +
  "tr.ex-detail>td{text-align:left;background:#fafafa}.turn{margin:.4em 0}.say{white-space:pre-wrap}" +
  // Long conversations and answers scroll in their boxes, so the criteria stay in view.
  ".conv,.answer{max-height:18em;overflow:auto}table.criteria th,table.ex-table th{text-align:left}" +
  ".answers.two{display:grid;grid-template-columns:1fr 1fr;gap:1em}.answer{border-top:1px solid #ccc;margin-top:.5em}" +
  "table.criteria td.expl{font-size:90%;color:#333;min-width:14em}.tag{font-size:80%;color:#555;margin-left:.5em}" +
  "td.v1{color:#1a7f37}td.v0{color:#b42318}td.v-1{color:#8a6d00;font-style:italic}td.disagree{background:#fde9d9}" +
  "#ex-more{margin:1em 0}#ex-min,#ex-max{width:5em}";

function words(runs: readonly ExamplesRun[], counts: ExamplesCounts): string {
  const [first, second] = runs;
  const rewards = runs.filter((r) => r.answers.rewards).map((r) => r.name);
  const rewardWords = rewards.length
    ? ` For ${rewards.join(" and ")}, each criterion also shows the reward model's P(met); "model and judge disagree" finds the answers where it is 0.5 or more against a "not met", or under 0.5 against a "met".`
    : "";
  const base =
    "One row per graded answer: open a row (▸; click it, or Enter) for the conversation, the answer and every rubric criterion with its points, tags, the judge's verdict (met, not met, or judge failure: left out of the score) and the judge's explanation. For a criterion with negative points, met means the fault is present.";
  if (!first || !second) return paragraph(`${base}${rewardWords}`);
  return paragraph(
    `${base} Answers are matched across the runs by prompt id; where a prompt has several answers, the n-th answer in ${first.name} is paired with the n-th in ${second.name}, in file order. ` +
      `Pairs: ${counts.paired}; answers only in ${first.name}: ${counts.onlyFirst}, only in ${second.name}: ${counts.onlySecond}, listed apart (the "show" menu). ` +
      `Criteria are matched by their text, points and tags; a row whose verdicts differ on a criterion graded in both is marked with a bar, the criterion with ≠ (a judge failure on either side counts as no difference). The difference is ${second.name} minus ${first.name}.${rewardWords}`,
  );
}

/** Answers per block of long texts: a block is unpacked in a few tens of milliseconds, so the page never stalls on one. */
export const TEXT_BLOCK = 250;

/** Default compression: level 9 saves 0.3% on the 4,532-answer run and takes a quarter longer. */
const packed = (value: unknown) => gzipSync(JSON.stringify(value)).toString("base64");

export function examplesSection(runs: readonly ExamplesRun[]): string {
  const { data, counts } = examplesData(runs);
  const { texts, ...index } = data;
  const blocks: string[] = [];
  for (let first = 0; first < texts.length; first += TEXT_BLOCK)
    blocks.push(`<script type="application/octet-stream" class="ex-texts">${packed(texts.slice(first, first + TEXT_BLOCK))}</script>`);
  return (
    `<h2 id="examples">Examples</h2><style>${STYLE}</style>${words(runs, counts)}` +
    `<div id="ex-root"><p id="ex-status">Reading ${escapeHtml(data.answers.length)} graded answers…</p>` +
    "<noscript><p>The examples need JavaScript, which this browser has turned off.</p></noscript></div>" +
    `<script type="application/octet-stream" id="ex-data" data-block="${TEXT_BLOCK}">${packed(index)}</script>${blocks.join("")}` +
    `<script>${explorerScript()}</script>`
  );
}
