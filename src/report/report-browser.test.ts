/**
 * Every report kind opened in a real headless Chromium (Debian's `chromium`; CHROMIUM names
 * another binary): the page renders every chart's SVG and logs no error, and the reward-model
 * evaluation reads as it should. One browser loads every report in turn (starting one per report
 * cost a second or more each). `npm test` finds or installs Chromium first
 * (scripts/ensure-chromium.sh); without it this test fails and says how to install it.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChromiumPage, openChromiumPage } from "../../test/chromium-page.js";
import { reportFixtures } from "../../test/report-fixtures.js";
import { coveredDimensions } from "./coverage-section.js";
import { renderReport } from "./render-report.js";

const dir = await mkdtemp(join(tmpdir(), "medrubric-report-"));
let page: ChromiumPage;
beforeAll(async () => {
  page = await openChromiumPage("about:blank");
}, 60_000);
afterAll(async () => {
  await page?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The DOM Chromium built from the file, and what the page logged meanwhile (console, exceptions, refused loads). */
async function openInChromium(file: string): Promise<{ dom: string; log: string[] }> {
  page.messages.length = 0;
  await page.goto(`file://${file}`);
  return { dom: await page.evaluate<string>("document.documentElement.outerHTML"), log: [...page.messages] };
}

describe("reports in headless Chromium", async () => {
  const fixtures = await reportFixtures();
  const cases = [
    ["grading run", fixtures.gradingSummary, undefined, 2],
    ["reward-model evaluation", fixtures.rmEval, undefined, 9],
    [
      "standards coverage",
      fixtures.coverage,
      undefined,
      1 + (fixtures.coverage.result.kind === "coverage" ? coveredDimensions(fixtures.coverage.result.file).length : 0),
    ],
    ["comparison of two runs", fixtures.grading, { ...fixtures.grading, name: "other" }, 2],
    ["the learning hybrid's replay", fixtures.hybridReplay, undefined, 2],
  ] as const;

  it.each(cases)(
    "%s: every chart's SVG renders, no errors logged",
    async (name, result, compare, charts) => {
      const file = join(dir, `${name.replaceAll(" ", "-")}.html`);
      await writeFile(file, await renderReport(result, compare));
      const { dom, log } = await openInChromium(file);
      expect(dom).toContain("<h1>medrubric: ");
      const rendered = [...dom.matchAll(/<svg[^>]*width="(\d+(?:\.\d+)?)"[^>]*height="(\d+(?:\.\d+)?)"/g)];
      expect(rendered).toHaveLength(charts);
      for (const [, width, height] of rendered) expect(Number(width) * Number(height)).toBeGreaterThan(0);
      // A static page logs nothing at all: any console message, exception, refused load or network error is a fault.
      expect(log).toEqual([]);
    },
    60_000,
  );

  it("the reward-model evaluation opens with its table in words, stars the best per row and marks chance and zeros", async () => {
    const file = join(dir, "rm-eval-read.html");
    await writeFile(file, await renderReport(fixtures.rmEval));
    const { dom } = await openInChromium(file);
    expect(dom).toMatch(/<h1>medrubric: reward-model evaluation<\/h1><p class="source">Result: rm-eval<\/p><p>Each row is one measure/);
    expect(dom).toMatch(/<td class="best"><strong>[\d.]+<\/strong> ★<\/td>/);
    expect(dom.match(/black tick: chance/g)?.length).toBeGreaterThanOrEqual(5);
    expect(dom).toMatch(/<text[^>]*>0\.00<\/text>/);
    expect(dom).toContain("Graded answers: Spearman correlation with the rubric score");
  }, 60_000);
});
