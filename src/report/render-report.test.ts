import { describe, expect, it } from "vitest";
import { reportFixtures } from "../../test/report-fixtures.js";
import { LEVEL_COLORS, seriesScale } from "./charts.js";
import { coveredDimensions } from "./coverage-section.js";
import { parseResult } from "./read-result.js";
import { renderReport } from "./render-report.js";
import type { RmEvalReportFile } from "./result-schemas.js";
import { resultText } from "./write-report.js";

const svgs = (html: string) => html.match(/<svg[\s>]/g)?.length ?? 0;

describe("results and their schemas", async () => {
  const fixtures = await reportFixtures();

  it("reads back every kind as written, told apart by its schema", () => {
    for (const { result } of Object.values(fixtures)) expect(parseResult(JSON.parse(resultText(result))).kind).toBe(result.kind);
    expect(() => parseResult({ hello: 1 }, "x.json")).toThrow(/^x\.json: not a medrubric result; report reads the JSON of rm-eval --out/);
  });

  it("refuses a result whose field was renamed, naming the field", () => {
    const json = JSON.parse(resultText(fixtures.rmEval.result));
    json.models.gprc.units.overall.triple = json.models.gprc.units.overall.triple_order;
    delete json.models.gprc.units.overall.triple_order;
    expect(() => parseResult(json, "rm-eval.json")).toThrow(
      /^rm-eval\.json: models\.gprc\.units\.overall\.triple_order: .*\(a rm-eval result/,
    );
  });

  it("types writers by the schema: a renamed field does not compile", () => {
    const file = (fixtures.rmEval.result as { file: RmEvalReportFile }).file;
    // @ts-expect-error: `model` is not a field of an rm-eval result; `models` is
    const renamed: RmEvalReportFile = { model: file.models, data: file.data };
    expect(renamed).toBeDefined();
  });
});

describe("renderReport", async () => {
  const fixtures = await reportFixtures();

  it("draws a grading run by axis and by theme, with failures, tokens and cost", async () => {
    const html = await renderReport(fixtures.gradingSummary);
    expect(svgs(html)).toBe(2);
    expect(html).toContain("Score by axis (95% bootstrap interval)");
    expect(html).toMatch(/judge failures<\/th>/);
    expect(html).not.toMatch(/<script/i);
  });

  it("draws a reward-model evaluation: per-dimension and pairwise accuracy, distributions, transfer, rubric correlation, agreement with the grader, probes", async () => {
    const html = await renderReport(fixtures.rmEval);
    expect(svgs(html)).toBe(9);
    expect(html).toContain("Is P(met) a probability?");
    expect(html).toMatch(/<h2>Master-key probes: how often a degenerate answer outscores a real one<\/h2>/);
    expect(html).toMatch(/<td>colon<\/td>/);
    for (const title of [
      "Triple-order accuracy, all units and per dimension",
      "Pairwise accuracy",
      "Scores of good, medium and poor answers",
      "ideal completion wins",
      "Graded answers: Spearman correlation with the rubric score",
      "Agreement with the rubric grader on graded answers to the same prompt",
      "Length or advice? Pairs the grader orders against length, and safety contrasts",
      "Robustness probes passed",
    ])
      expect(html).toContain(title);
    for (const model of Object.keys((fixtures.rmEval.result as { file: RmEvalReportFile }).file.models))
      expect(html).toContain(`<th>${model}</th>`);
  });

  it("says what the table shows, with n and chance per row, the best starred and every model name explained", async () => {
    const html = await renderReport(fixtures.rmEval);
    const file = (fixtures.rmEval.result as { file: RmEvalReportFile }).file;
    expect(html).toMatch(/<p>Each row is one measure and each column one model, all scored on the same data: \d+ held-out units/);
    expect(html).toContain("<th>measure</th><th>n</th><th>chance</th>");
    expect(html).toMatch(/<td>held-out units: good &gt; medium &gt; poor<\/td><td>\d+<\/td><td>0\.167<\/td>/);
    for (const [d, acc] of Object.entries(file.models.gprc?.units?.by_dimension ?? {}))
      expect(html).toContain(`<td>held-out units [${d}]: good &gt; medium &gt; poor</td><td>${acc.n}</td>`);
    expect(html).toMatch(/<td class="best"><strong>[\d.]+<\/strong> ★<\/td>/);
    expect(html).toContain("<li><b>length</b>: baseline: the longer answer scores higher</li>");
    const withAblation = await renderReport({
      name: "demo",
      result: { kind: "rm-eval", file: { ...file, models: { ...file.models, lambdas0: file.models.gprc ?? {} } } },
    });
    expect(withAblation).toContain("<li><b>lambdas0</b>: the same network trained with every GPRC lambda at 0");
  });

  it("leaves out measures and bars with no data, says which measure each best is, and counts the probes as the table does", async () => {
    const html = await renderReport(fixtures.rmEval);
    const file = (fixtures.rmEval.result as { file: RmEvalReportFile }).file;
    // The bundled graded answers are one per prompt: no pairs to order, so those measures rest on nothing.
    expect(file.models.gprc?.agreement?.pairwise.n_pairs).toBe(0);
    expect(html).not.toMatch(/<tr><td>[^<]*<\/td><td>0<\/td>/);
    expect(html).not.toContain("graded answers to one prompt: the higher score gets the higher reward");
    expect(html).not.toMatch(/\(n=0( pairs)?\)/);
    const probes = file.models.gprc?.probes?.overall.n;
    expect(html).toContain(`${probes} robustness probes on ${file.data.n_probes} prompts`);
    expect(html).toMatch(
      /Best per measure: “held-out units: good &gt; medium &gt; poor”: \w+ \([\d.]+; chance 0\.17\); “held-out units: good &gt; poor”: /,
    );
    // Long labels are written whole (no "…"), and the legend sits under each bar chart, clear of the values.
    const texts = [...html.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1] ?? "");
    expect(texts.filter((t) => t.includes("…"))).toEqual([]);
    expect(texts.some((t) => / vs axis:\w+ \(n=\d+\)$/.test(t))).toBe(true);
  });

  it("draws a zero as a visible mark with its value, and the chance level on every accuracy chart", async () => {
    const file = structuredClone((fixtures.rmEval.result as { file: RmEvalReportFile }).file);
    for (const rate of Object.values(file.models.length?.probes?.by_kind ?? {})) rate.pass_rate = 0;
    const html = await renderReport({ name: "zeros", result: { kind: "rm-eval", file } });
    const figures = html.split("<figure").slice(1);
    const probes = figures.find((f) => f.includes("Robustness probes passed")) ?? "";
    expect(probes).toMatch(/<text[^>]*>0\.00<\/text>/);
    // Every chart of a share or a correlation; the score distributions have no chance level.
    expect(figures.filter((f) => f.includes("black tick: chance"))).toHaveLength(7);
  });

  it("writes a grading run's 0 as 0.000 in the table and beside its bar, with every score to 3 decimals, titled by what it grades", async () => {
    const zero = structuredClone(fixtures.grading);
    if (zero.result.kind !== "score") throw new Error("the grading fixture is not a score result");
    zero.result.file.overall.score = 0;
    const [axis] = Object.keys(zero.result.file.by_tag).filter((tag) => tag.startsWith("axis:"));
    (zero.result.file.by_tag[axis as string] as { score: number }).score = 0;
    const html = await renderReport({ ...zero, title: "HealthBench score of answers.jsonl (judge gpt-x)" });
    expect(html).toContain("<title>HealthBench score of answers.jsonl (judge gpt-x) - medrubric: grading run</title>");
    expect(html).toMatch(/<tr><td>demo-score<\/td><td>0\.000<\/td><td>0\.000 - 0\.\d{3}<\/td>/);
    const byAxis = html.split("<figure").find((f) => f.includes("Score by axis")) ?? "";
    expect(byAxis).toMatch(/<text[^>]*>0\.000<\/text>/);
    // Made from a score alone: it says how to get the Examples section.
    expect(html).toContain("medrubric report --input GRADED.jsonl --out report.html");
  });

  it("gives a model one colour on every chart, never a colour that means good, medium or poor", () => {
    const { range } = seriesScale(["gprc", "lambdas0", "length", "cosine", "a", "b", "c", "d", "e"]);
    for (const colour of range) expect(Object.values(LEVEL_COLORS)).not.toContain(colour);
    expect(seriesScale(["gprc", "length"]).range).toEqual([range[0], "#7f7f7f"]);
  });

  it("titles the page once, by its kind, and names the result apart", async () => {
    const html = await renderReport(fixtures.rmEval);
    expect(html).toContain('<h1>medrubric: reward-model evaluation</h1><p class="source">Result: rm-eval</p>');
    expect(html.match(/reward-model evaluation/gi)).toHaveLength(2);
  });

  it("draws the learning hybrid's replay: the saving pass by pass and by answers per prompt, and each mode's figures", async () => {
    const html = await renderReport(fixtures.hybridReplay);
    expect(svgs(html)).toBe(2);
    expect(html).toContain("<h1>medrubric: the learning hybrid's replay</h1>");
    expect(html).toContain("Judge calls saved, pass by pass (GRPO steps)");
    expect(html).toContain("Judge calls saved, by answers per prompt in the stream");
    expect(html).toMatch(
      /<p>1835 answers to 258 prompts \(7\.1 per prompt\) of graded_hard_responses\.jsonl, folds 3, 4 of 5 by prompt; error budget 0\.01/,
    );
    // One row per mode: the static triage has no estimate of its own error.
    expect(html).toMatch(
      /<tr><td>static<\/td><td>\d+ of 21647<\/td><td>[\d.]+%<\/td><td>[\d.]+% \/ [\d.]+%<\/td><td>0\.\d{4}<\/td><td>none<\/td>/,
    );
    expect(html).toMatch(/<tr><td>hybrid<\/td>.*<td>0\.\d{4} \[0\.\d{4}, 0\.\d{4}\]<\/td>/);
    // Two replays side by side: each mode's line named after its replay.
    const compared = await renderReport(fixtures.hybridReplay, { ...fixtures.hybridReplay, name: "seed-2" });
    expect(compared).toContain("<td>seed-2: hybrid</td>");
    expect(compared).toContain("<td>hybrid-replay: memory</td>");
  });

  it("draws the coverage matrix as heatmaps, overall and per dimension", async () => {
    const html = await renderReport(fixtures.coverage);
    const coverage = fixtures.coverage.result;
    expect(svgs(html)).toBe(1 + (coverage.kind === "coverage" ? coveredDimensions(coverage.file).length : 0));
  });

  it("draws every empty cell of the coverage white, as the text says, and does not head it with its file's name", async () => {
    const coverage = fixtures.coverage.result;
    if (coverage.kind !== "coverage") throw new Error("the coverage fixture is not a coverage result");
    const html = await renderReport({ ...fixtures.coverage, name: "coverage" });
    const overall = html.split("<svg")[1] ?? "";
    expect(overall.match(/examples: 0; count: 0"[^>]*fill="#ffffff"/g)).toHaveLength(coverage.file.empty_cells.length);
    expect(overall).not.toMatch(/examples: [1-9]\d*; count: [1-9]\d*"[^>]*fill="#ffffff"/);
    expect(html).toContain("A white cell (no examples) is a gap");
    expect(html).not.toContain("Coverage: coverage");
    expect(html).not.toContain("<h2>coverage</h2>");
  });

  it("compares two runs side by side with their differences, and refuses mixed kinds", async () => {
    const html = await renderReport(fixtures.grading, { ...fixtures.grading, name: "again" });
    expect(html).toContain("Differences (again - ");
    expect(html).toMatch(/<td>overall<\/td><td>\d\.\d{3}<\/td><td>\d\.\d{3}<\/td><td>0\.000<\/td>/);
    await expect(renderReport(fixtures.grading, fixtures.coverage)).rejects.toThrow(/cannot compare a grading result with a coverage one/);
    const models = await renderReport(fixtures.rmEval, { ...fixtures.rmEval, name: "rm-eval-2" });
    expect(models).toContain("Differences (rm-eval-2 - rm-eval)");
    expect(models).toMatch(/<td>held-out units: good &gt; medium &gt; poor<\/td><td>0<\/td>/);
    expect(models).toContain("<th>rm-eval-2: gprc</th>");
  });
});
