/**
 * Writes docs/report-*.png: a screenshot of each report kind, from the report fixtures, taken
 * with headless Chromium (CHROMIUM names the binary; default /usr/bin/chromium); and of the
 * Examples section of two demo runs compared, a row with a differing verdict opened.
 *
 *   npm run docs:screenshots
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { renderReport } from "../src/report/render-report.js";
import { openChromiumPage } from "./chromium-page.js";
import { writeExampleRuns } from "./example-runs.js";
import { reportFixtures } from "./report-fixtures.js";
import { runCli } from "./run-cli.js";

const chromium = process.env.CHROMIUM || "/usr/bin/chromium";
const dir = await mkdtemp(join(tmpdir(), "medrubric-shots-"));
const fixtures = await reportFixtures();
const kinds = {
  grading: [fixtures.gradingSummary],
  "rm-eval": [fixtures.rmEval],
  coverage: [fixtures.coverage],
  comparison: [fixtures.grading, { ...fixtures.grading, name: "demo-score-rerun" }],
  "hybrid-replay": [fixtures.hybridReplay],
} as const;
for (const [kind, [main, compare]] of Object.entries(kinds)) {
  const html = join(dir, `${kind}.html`);
  await writeFile(html, await renderReport(main, compare));
  const png = resolve("docs", `report-${kind}.png`);
  const flags = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--hide-scrollbars",
    `--user-data-dir=${join(dir, "profile")}`,
  ];
  execFileSync(chromium, [...flags, `--screenshot=${png}`, "--window-size=1200,1400", `file://${html}`], { stdio: "ignore" });
  console.log(`wrote ${png}`);
}

const examples = join(dir, "examples.html");
const made = await runCli(["report", ...(await writeExampleRuns(dir)), "--out", examples]);
if (made.code !== 0) throw new Error(made.stderr);
const page = await openChromiumPage(`file://${examples}`, { viewport: { width: 1200, height: 1500 } });
await page.waitFor("document.getElementById('ex-root').dataset.ready");
await page.evaluate("[...document.querySelectorAll('tr.ex-row')].find((tr) => tr.cells[0].textContent === 'demo-004').click()");
await page.waitFor("document.querySelector('tr.ex-detail table.criteria')");
await page.evaluate("document.querySelector('.ex-controls').scrollIntoView()");
const png = resolve("docs", "report-examples.png");
await page.screenshot(png);
await page.close();
console.log(`wrote ${png}`);
await rm(dir, { recursive: true });
