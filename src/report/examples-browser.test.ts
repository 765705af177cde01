/**
 * The report's Examples section used in a real headless Chromium, as a reader uses it: two graded
 * runs of the bundled demo answers (the second with one verdict changed, a judge failure, an
 * explanation that tries to inject HTML, one answer dropped and one added) and reward-model output
 * for the first, rendered by the real `report` command; then a text filter narrows the rows, an
 * opened row shows a known criterion's explanation, the differing verdict is marked, and the
 * injected HTML stays text.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChromiumPage, openChromiumPage } from "../../test/chromium-page.js";
import { CHANGED_EXPLANATION, demoRows, INJECTED, writeExampleRuns } from "../../test/example-runs.js";
import { runCli } from "../../test/run-cli.js";
import type { GradedExample } from "../healthbench/schema.js";
import { scoreGraded } from "../healthbench/score-graded.js";

const demo = demoRows();
/** demo-004, criterion 2: not met in the first run, met in the second. */
const changed = demo.find((row) => row.prompt_id === "demo-004") as GradedExample;
const known = { criterion: changed.rubrics[2]?.criterion as string, explanation: changed.verdicts[2]?.explanation as string };
const injectedAt = (demo.find((row) => row.prompt_id === "demo-009") as GradedExample).rubrics[4]?.criterion as string;

/** The cells of the opened row's criterion that starts with `criterion`. */
const criterionCells = (criterion: string) => `(() => {
  const tr = [...document.querySelectorAll('tr.ex-detail table.criteria tbody tr')].find((tr) => tr.cells[2].textContent.startsWith(${JSON.stringify(criterion)}));
  return { mark: tr.className + ' ' + tr.cells[0].textContent,
           verdicts: [...tr.querySelectorAll('td.verdict')].map((td) => td.textContent),
           explanations: [...tr.querySelectorAll('td.expl')].map((td) => td.textContent) };
})()`;
interface CriterionCells {
  mark: string;
  verdicts: string[];
  explanations: string[];
}

describe("the Examples section in headless Chromium", () => {
  let page: ChromiumPage;
  const count = () => page.evaluate<string>("document.getElementById('ex-count').textContent");
  const ids = () => page.evaluate<string[]>("[...document.querySelectorAll('tr.ex-row')].map((tr) => tr.cells[0].textContent)");
  /** Sets a control as a reader would and waits for the rows to follow. */
  async function set(id: string, value: string | boolean) {
    const assign = typeof value === "boolean" ? `e.checked = ${value}` : `e.value = ${JSON.stringify(value)}`;
    await page.evaluate(`{ const e = document.getElementById(${JSON.stringify(id)}); ${assign}; e.dispatchEvent(new Event("change")); }`);
    await page.waitFor("/^[\\d,]+ of /.test(document.getElementById('ex-count').textContent)");
  }
  async function open(id: string): Promise<void> {
    await page.evaluate(
      `[...document.querySelectorAll('tr.ex-row')].find((tr) => tr.cells[0].textContent === ${JSON.stringify(id)}).click()`,
    );
    await page.waitFor("document.querySelector('tr.ex-detail table.criteria')");
  }

  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "medrubric-examples-"));
    const out = join(dir, "report.html");
    const result = await runCli(["report", ...(await writeExampleRuns(dir)), "--out", out]);
    expect(result.code, result.stderr).toBe(0);
    page = await openChromiumPage(`file://${out}`);
    await page.waitFor("document.getElementById('ex-root').dataset.ready");
  }, 60_000);
  afterAll(async () => {
    await page?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("lists the pairs, and the answers of one run only apart", async () => {
    expect(await count()).toBe("13 of 15 examples match; 13 shown");
    await set("ex-view", "first");
    expect(await ids()).toEqual(["demo-014"]);
    await set("ex-view", "second");
    expect(await ids()).toEqual(["demo-001"]);
    await set("ex-view", "both");
  });

  it("a text filter narrows the rows; an opened row shows a known criterion's explanation, and the differing verdict is marked", async () => {
    await page.evaluate("document.getElementById('ex-text').focus()");
    await page.type("stop metformin in a patient with CKD");
    await page.waitFor("document.getElementById('ex-count').textContent.startsWith('1 of')");
    expect(await count()).toBe("1 of 15 examples match; 1 shown");
    expect(await ids()).toEqual(["demo-004"]);
    await open("demo-004");
    const criterion = await page.evaluate<CriterionCells>(criterionCells(known.criterion));
    expect(criterion.explanations).toEqual([known.explanation, CHANGED_EXPLANATION]);
    expect(criterion.verdicts).toEqual(["not met", "met"]);
    expect(criterion.mark).toBe("differ ≠");
    await set("ex-text", "demo-009");
    await open("demo-009");
    // The injected HTML is shown as the text it is, and nothing of it ran.
    expect((await page.evaluate<CriterionCells>(criterionCells(injectedAt))).explanations[1]).toBe(INJECTED);
    expect(await page.evaluate("[typeof window.pwned, document.querySelectorAll('tr.ex-detail img, tr.ex-detail script').length]")).toEqual(
      ["undefined", 0],
    );
    await set("ex-text", "");
  });

  it("'verdicts differ' keeps the rows with a changed verdict, not a judge failure", async () => {
    await set("ex-differ", true);
    expect(await ids()).toEqual(["demo-004"]);
    await set("ex-differ", false);
    await open("demo-007");
    expect(
      await page.evaluate("[...document.querySelectorAll('tr.ex-detail td.verdict')].map((td) => td.textContent).slice(0, 2)"),
    ).toEqual(["met", "judge failure"]);
  });

  it("shows the reward model's P(met) and finds where model and judge disagree", async () => {
    await set("ex-disagree", true);
    expect(await ids()).toEqual(["demo-011"]);
    await open("demo-011");
    expect(await page.evaluate("[...document.querySelectorAll('tr.ex-detail td.disagree')].map((td) => td.textContent)")).toEqual([
      "0.900",
    ]);
    await set("ex-disagree", false);
  });

  it("sorts by the difference and filters by theme and score range", async () => {
    await set("ex-sort", "diff");
    expect((await ids())[0]).toBe("demo-007");
    await set("ex-theme", "hedging");
    expect(await ids()).toEqual(["demo-011", "demo-012"]);
    await set("ex-theme", "");
    await set("ex-min", "0.9");
    const scores = scoreGraded(demo).rowMetrics.map((m) => m?.overall_score as number);
    const high = demo.filter((row, i) => row.prompt_id !== "demo-014" && (scores[i] as number) >= 0.9).map((row) => row.prompt_id);
    expect(high.length).toBeGreaterThan(0);
    expect((await ids()).sort()).toEqual(high.sort());
    await set("ex-min", "");
  });

  it("marks a row as one to open (▸, ▾ once open), and keeps the line breaks of criteria and explanations", async () => {
    const marker = (id: string) =>
      page.evaluate<string>(
        `getComputedStyle([...document.querySelectorAll('tr.ex-row')].find((tr) => tr.cells[0].textContent === ${JSON.stringify(id)}).cells[0], '::before').content`,
      );
    await set("ex-text", "demo-012");
    expect(await marker("demo-012")).toBe('"▸ "');
    await open("demo-012");
    expect(await marker("demo-012")).toBe('"▾ "');
    expect(
      await page.evaluate(
        "[...document.querySelectorAll('tr.ex-detail table.criteria td.text, tr.ex-detail td.expl')].map((td) => getComputedStyle(td).whiteSpace)",
      ),
    ).toSatisfy((styles: string[]) => styles.length > 0 && styles.every((style) => style === "pre-wrap"));
    await set("ex-text", "");
  });

  it("logs nothing and loads nothing: no console message, refused script or network error", () => {
    expect(page.messages).toEqual([]);
  });
});
