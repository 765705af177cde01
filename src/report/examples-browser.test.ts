/**
 * The report's Examples section used in a real headless Chromium, as a reader uses it: two graded
 * runs of the bundled demo answers (the second with one verdict changed, a judge failure, an
 * explanation that tries to inject HTML, one answer dropped and one added) and reward-model output
 * for the first, rendered by the real `report` command; then a text filter narrows the rows, an
 * opened row shows a known criterion's explanation, the differing verdict is marked, and the
 * injected HTML stays text.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChromiumPage, openChromiumPage } from "../../test/chromium-page.js";
import { runCli } from "../../test/run-cli.js";
import type { GradedExample } from "../healthbench/schema.js";
import { scoreGraded } from "../healthbench/score-graded.js";
import type { RewardOutputRow } from "../rm/reward-output.js";

const demo = readFileSync("data/demo/graded.jsonl", "utf8")
  .trim()
  .split("\n")
  .map((line) => JSON.parse(line) as GradedExample);
const byId = (id: string) => structuredClone(demo.find((row) => row.prompt_id === id) as GradedExample);
const jsonl = (rows: unknown[]) => `${rows.map((row) => JSON.stringify(row)).join("\n")}\n`;

const INJECTED = 'Nope </script><script>window.pwned=1</script><img src=x onerror="window.pwned=2">';
/** demo-004, criterion 2: not met in the first run, met in the second. */
const changed = byId("demo-004");
const known = { criterion: changed.rubrics[2]?.criterion as string, explanation: changed.verdicts[2]?.explanation as string };

function secondRun(): GradedExample[] {
  const rows = demo.filter((row) => row.prompt_id !== "demo-014").map((row) => structuredClone(row));
  const d4 = rows.find((row) => row.prompt_id === "demo-004") as GradedExample;
  d4.verdicts[2] = { criteria_met: true, explanation: INJECTED };
  const d7 = rows.find((row) => row.prompt_id === "demo-007") as GradedExample;
  d7.verdicts[0] = { criteria_met: null, explanation: "", failure: "the judge's answer was not JSON" };
  const again = byId("demo-001");
  again.completion = [{ role: "assistant", content: "Let him rest and see how he feels tomorrow." }];
  return [...rows, again];
}

/** P(met) that agrees with every verdict of the first run but one: demo-011, criterion 1 (not met), at 0.9. */
const rewards = (): RewardOutputRow[] =>
  demo.map((row) => ({
    id: row.prompt_id,
    scores: { accuracy: 0.5 },
    reward: 0.5,
    criteria: row.verdicts.map((v, j) => (row.prompt_id === "demo-011" && j === 1 ? 0.9 : v.criteria_met ? 0.8 : 0.2)),
  }));

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
    const [first, second, rewardFile, out] = ["demo-a.jsonl", "demo-b.jsonl", "rewards.jsonl", "report.html"].map((f) => join(dir, f));
    await writeFile(first as string, jsonl(demo));
    await writeFile(second as string, jsonl(secondRun()));
    await writeFile(rewardFile as string, jsonl(rewards()));
    const result = await runCli(["report", "--in", first, "--compare", second, "--rewards", rewardFile, "--out", out] as string[]);
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
    await set("ex-text", "stop metformin in a patient with CKD");
    expect(await count()).toBe("1 of 15 examples match; 1 shown");
    expect(await ids()).toEqual(["demo-004"]);
    await open("demo-004");
    const criterion = await page.evaluate<{ text: string; explanations: string[]; mark: string; verdicts: string[] }>(
      `(() => {
        const tr = [...document.querySelectorAll('tr.ex-detail table.criteria tbody tr')].find((tr) => tr.cells[2].textContent.startsWith(${JSON.stringify(known.criterion)}));
        return { text: tr.cells[2].textContent, mark: tr.className + ' ' + tr.cells[0].textContent,
                 verdicts: [...tr.querySelectorAll('td.verdict')].map((td) => td.textContent),
                 explanations: [...tr.querySelectorAll('td.expl')].map((td) => td.textContent) };
      })()`,
    );
    expect(criterion.explanations[0]).toBe(known.explanation);
    expect(criterion.verdicts).toEqual(["not met", "met"]);
    expect(criterion.mark).toBe("differ ≠");
    // The injected HTML is shown as the text it is, and nothing of it ran.
    expect(criterion.explanations[1]).toBe(INJECTED);
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

  it("logs nothing and loads nothing: no console message, refused script or network error", () => {
    expect(page.messages).toEqual([]);
  });
});
