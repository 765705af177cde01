/**
 * Writes docs/report-*.png: a screenshot of each report kind, from the report fixtures, taken
 * with headless Chromium (CHROMIUM names the binary; default /usr/bin/chromium).
 *
 *   npm run docs:screenshots
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { renderReport } from "../src/report/render-report.js";
import { reportFixtures } from "./report-fixtures.js";

const chromium = process.env.CHROMIUM || "/usr/bin/chromium";
const dir = await mkdtemp(join(tmpdir(), "medrubric-shots-"));
const fixtures = await reportFixtures();
const kinds = {
  grading: [fixtures.gradingSummary],
  "rm-eval": [fixtures.rmEval],
  coverage: [fixtures.coverage],
  comparison: [fixtures.grading, { ...fixtures.grading, name: "demo-score-rerun" }],
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
await rm(dir, { recursive: true });
