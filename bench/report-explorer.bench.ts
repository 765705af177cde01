/**
 * Benchmark for issue 25: the report's Examples section on the real 4,532-answer
 * `graded_hard_responses.jsonl` (read from ../shared, never copied; the split and the reward
 * rows below live in a temporary folder). Three reports: the whole file with reward-model rows
 * for every answer (synthetic P(met), in `reward`'s format: the model is not what is measured);
 * and the gpt-4o-mini answers with the plain system prompt against those with the other prompting
 * method, split by the file's `sampler` key, paired by prompt id. For each: the `report` command's
 * time, the page's size against the 25 MB target, and in headless Chromium the time to the
 * listed rows, to all texts read in the background, the longest main-thread task (a freeze), and
 * each filter, the sort and opening a row, from the event to the next painted frame.
 *
 *   npm run build && node --import tsx bench/report-explorer.bench.ts [--runs 3]
 */
import { readFileSync, statSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRng } from "../src/core/random.js";
import { packageFile } from "../src/io/package-files.js";
import { openChromiumPage } from "../test/chromium-page.js";
import { runCommand } from "../test/run-command.js";
import { sharedHealthBenchFile } from "../test/shared-data.js";
import { median, numberFlag, printReport } from "./markdown-report.js";

const runs = numberFlag("--runs", 3);
const TARGET_MB = 25;
const source = sharedHealthBenchFile("graded_hard_responses.jsonl");
const dir = await mkdtemp(join(tmpdir(), "medrubric-explorer-bench-"));

// Inputs: the whole file with reward rows, and two of its samplers apart.
const lines = readFileSync(source, "utf8").trim().split("\n");
const parsed = lines.map(
  (line) => JSON.parse(line) as { prompt_id: string; rubrics: unknown[]; sampler: { model: string; variant: string } },
);
const random = createRng(7);
const rewards = join(dir, "rewards.jsonl");
await writeFile(
  rewards,
  `${parsed.map((row) => JSON.stringify({ id: row.prompt_id, scores: {}, reward: 0.5, criteria: row.rubrics.map(() => Math.round(random() * 1000) / 1000) })).join("\n")}\n`,
);
const bySampler = (variant: string) =>
  lines.filter((_, i) => parsed[i]?.sampler.model === "gpt-4o-mini" && parsed[i]?.sampler.variant === variant);
const [plain, other] = ["baseline", "bodhi"].map((variant) => join(dir, `gpt-4o-mini-${variant}.jsonl`)) as [string, string];
await writeFile(plain, `${bySampler("baseline").join("\n")}\n`);
await writeFile(other, `${bySampler("bodhi").join("\n")}\n`);

interface Case {
  name: string;
  args: string[];
  actions: [string, string][];
}

const setControl = (id: string, value: string | boolean) =>
  `{ const e = document.getElementById("${id}"); ${typeof value === "boolean" ? `e.checked = ${value}` : `e.value = ${JSON.stringify(value)}`}; e.dispatchEvent(new Event("change")); }`;
const common: [string, string][] = [
  ["text filter (`insulin`)", setControl("ex-text", "insulin")],
  ["clear the text filter", setControl("ex-text", "")],
  [
    "tag filter",
    'document.getElementById("ex-tag").selectedIndex = 2; document.getElementById("ex-tag").dispatchEvent(new Event("change"))',
  ],
  ["score range 0 to 0.2", `${setControl("ex-min", "0")} ${setControl("ex-max", "0.2")}`],
  ["sort by score, descending", `${setControl("ex-sort", "a")} ${setControl("ex-dir", "desc")}`],
  ["open a row", 'document.querySelector("tr.ex-row").click()'],
];
const cases: Case[] = [
  {
    name: `all ${lines.length} answers, with --rewards`,
    args: ["--input", source, "--rewards", rewards],
    actions: [...common, ["'model and judge disagree'", setControl("ex-disagree", true)]],
  },
  {
    name: "gpt-4o-mini: plain prompt vs the other method (--compare)",
    args: ["--input", plain, "--compare", other],
    actions: [...common, ["'verdicts differ'", setControl("ex-differ", true)], ["sort by difference", setControl("ex-sort", "diff")]],
  },
];

/** Runs an action in the page, then waits for the rows (or the opened row) and the next painted frame. */
const timed = (action: string) => `(async () => {
  const t = performance.now();
  ${action}
  const count = document.getElementById("ex-count");
  while (!/^[\\d,]+ of /.test(count.textContent) || document.querySelector("tr.ex-detail td[colspan]")?.textContent === "reading…")
    await new Promise((r) => setTimeout(r, 1));
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r)));
  return performance.now() - t;
})()`;

const observeLongTasks =
  "window.__longest = 0; new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longest = Math.max(window.__longest, e.duration); }).observe({ type: 'longtask' });";

const rows: string[] = [];
const fmtMs = (xs: number[]) => `${Math.round(median(xs))} ms`;
for (const c of cases) {
  const out = join(dir, "report.html");
  const measures = new Map<string, number[]>();
  const add = (name: string, value: number) => measures.set(name, [...(measures.get(name) ?? []), value]);
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const made = await runCommand(process.execPath, [packageFile("dist/cli/main.js"), "report", ...c.args, "--out", out]);
    if (made.code !== 0) throw new Error(`report failed: ${made.stderr}`);
    add("`report` command (read, score, pack)", performance.now() - started);
    const page = await openChromiumPage(`file://${out}`, { beforeLoad: observeLongTasks });
    await page.waitFor("performance.getEntriesByName('medrubric:texts-read').length", 120_000);
    const marks = await page.evaluate<Record<string, number>>(
      "Object.fromEntries(['medrubric:examples-ready', 'medrubric:texts-read'].map((n) => [n, performance.getEntriesByName(n)[0].startTime]).concat([['load', performance.getEntriesByType('navigation')[0].loadEventEnd], ['longest', window.__longest]]))",
    );
    add("page load event", marks.load as number);
    add("rows listed (from navigation)", marks["medrubric:examples-ready"] as number);
    add("all texts read in the background", marks["medrubric:texts-read"] as number);
    add("longest main-thread task while loading", marks.longest as number);
    for (const [name, action] of c.actions) add(name, await page.evaluate<number>(timed(action)));
    add("longest main-thread task, all of the above", await page.evaluate<number>("window.__longest"));
    add("JS heap after all (MB)", (await page.evaluate<number>("performance.memory.usedJSHeapSize")) / 1e6);
    if (page.messages.length > 0) throw new Error(`the page logged: ${page.messages.join("\n")}`);
    await page.close();
  }
  const mb = statSync(out).size / 1e6;
  rows.push(`| **${c.name}** | |`);
  rows.push(`| page size | ${mb.toFixed(1)} MB (target < ${TARGET_MB} MB: ${mb < TARGET_MB ? "met" : "missed"}) |`);
  for (const [name, values] of measures) rows.push(`| ${name} | ${name.includes("MB") ? median(values).toFixed(0) : fmtMs(values)} |`);
}
printReport(runs, ["measure", "median"], rows);
await rm(dir, { recursive: true, force: true });
