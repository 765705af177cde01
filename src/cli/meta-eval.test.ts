import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { demoFile, recordedFile } from "../../test/judged-responses.js";
import { runCli } from "../../test/run-cli.js";
import { needsRealData } from "../../test/shared-data.js";
import { tempDir } from "../../test/temp-dir.js";
import { EXIT_CODES, InputError } from "../core/errors.js";
import { formatMetaEvalTable, runMetaEval } from "./meta-eval.js";

type Item = [criterion: string, axis: string, verdict: boolean | null];

function gradedRow(promptId: string, items: Item[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    prompt_id: promptId,
    prompt: [{ role: "user", content: "question" }],
    rubrics: items.map(([criterion, axis]) => ({ criterion, points: 5, tags: ["level:example", `axis:${axis}`] })),
    completion: [{ role: "assistant", content: "answer" }],
    verdicts: items.map(([, , met]) =>
      met === null ? { criteria_met: null, explanation: "", failure: "unparseable answer" } : { criteria_met: met, explanation: "" },
    ),
    ...extra,
  };
}

function labelRow(promptId: string, criterion: string, labels: Record<string, boolean>): Record<string, unknown> {
  return { prompt_id: promptId, criterion, labels: Object.entries(labels).map(([rater, criteria_met]) => ({ rater, criteria_met })) };
}

async function files(graded: unknown[], labels: unknown[]): Promise<{ graded: string; labels: string }> {
  const dir = await tempDir();
  const write = async (name: string, rows: unknown[]) => {
    const file = join(dir, name);
    await writeFile(file, rows.map((row) => (typeof row === "string" ? row : JSON.stringify(row))).join("\n"));
    return file;
  };
  return { graded: await write("graded.jsonl", graded), labels: await write("labels.jsonl", labels) };
}

const T = true;
const F = false;
const threeRaters = () =>
  files(
    [
      gradedRow("p1", [
        ["c1", "accuracy", T],
        ["c2", "accuracy", T],
        ["c3", "completeness", F],
        ["c4", "completeness", F],
      ]),
      gradedRow("p2", [
        ["c5", "completeness", T],
        ["c6", "completeness", null],
      ]),
    ],
    [
      labelRow("p1", "c1", { A: T, B: T, C: F }),
      labelRow("p1", "c2", { A: T, B: F }),
      labelRow("p1", "c3", { A: F, B: F, C: T }),
      labelRow("p1", "c4", { A: T, C: T }),
      labelRow("p2", "c5", { B: T }),
      labelRow("p2", "c6", { A: T, B: T }),
      labelRow("p2", "c7", { A: T }),
    ],
  );

describe("runMetaEval", () => {
  it("gives the hand-worked figures for three raters with a tie, a judge failure and an unmatched label", async () => {
    const report = await runMetaEval(await threeRaters());
    // c6's verdict is a judge failure and c7 is in no graded row: 5 items, 3+2+3+2+1 labels.
    expect(report).toMatchObject({ n_items: 5, n_labels: 11, judge_failures: 1, unmatched_labels: 1, by_category: {} });

    // Judge vs A on c1-c4: judge T T F F, A T T F T: "met" TP 2 FP 0 FN 1 -> 4/5; "not met" TP 1 FP 1 FN 0 -> 2/3;
    // balanced (4/5 + 2/3) / 2 = 11/15, agreement 3/4. B on c1 c2 c3 c5: judge T T F T, B T F F T: "met" 4/5,
    // "not met" TP 1 FN 1 -> 2/3: 11/15 too. C on c1 c3 c4: judge T F F, C F T T: every pair wrong, 0 and 0.
    const raters = report.judge_vs_raters;
    expect(raters.raters.A).toEqual({ n: 4, balanced_f1: expect.closeTo(11 / 15, 12), agreement: 0.75 });
    expect(raters.raters.B).toEqual({ n: 4, balanced_f1: expect.closeTo(11 / 15, 12), agreement: 0.75 });
    expect(raters.raters.C).toEqual({ n: 3, balanced_f1: 0, agreement: 0 });
    // Unweighted (11/15 + 11/15 + 0) / 3 = 22/45; by n (4*11/15 + 4*11/15 + 3*0) / 11 = 8/15.
    expect(raters.mean_balanced_f1).toBeCloseTo(22 / 45, 12);
    expect(raters.weighted_mean_balanced_f1).toBeCloseTo(8 / 15, 12);
    // Pooled over the 11 pairs: "met" TP 2+2+0, FP 0+1+1, FN 1+0+2 -> 8/13; "not met" TP 1+1+0, FP 3, FN 2 -> 4/9.
    expect(raters.pooled_balanced_f1).toBeCloseTo((8 / 13 + 4 / 9) / 2, 12);

    // Majorities: c1 T, c2 tie, c3 F, c4 T, c5 T (its one label). Judge T F F T vs T F T T: 11/15 as for A, agreement 3/4;
    // kappa: expected 0.5*0.75 + 0.5*0.25 = 0.5, (0.75 - 0.5) / 0.5 = 0.5.
    expect(report.judge_vs_majority).toEqual({ n: 4, ties: 1, balanced_f1: expect.closeTo(11 / 15, 12), agreement: 0.75, kappa: 0.5 });

    // A~B on c1 c2 c3: T T F vs T F F: "met" 2/3, "not met" 2/3. A~C on c1 c3 c4: T F T vs F T T: "met" 2/4, "not met" 0.
    // B~C on c1 c3: T F vs F T: 0. Mean (2/3 + 1/4 + 0) / 3 = 11/36.
    const humans = report.rater_vs_rater;
    expect(humans?.pairs).toEqual([
      { raters: ["A", "B"], n: 3, balanced_f1: expect.closeTo(2 / 3, 12), agreement: expect.closeTo(2 / 3, 12) },
      { raters: ["A", "C"], n: 3, balanced_f1: 0.25, agreement: expect.closeTo(1 / 3, 12) },
      { raters: ["B", "C"], n: 2, balanced_f1: 0, agreement: 0 },
    ]);
    expect(humans?.mean_balanced_f1).toBeCloseTo(11 / 36, 12);
    // Only c1 and c3 have three raters. A's and B's others tie on both; C's others say T then F, C says F then T.
    expect(humans?.leave_one_out).toEqual({
      mean_balanced_f1: 0,
      raters: {
        A: { n: 0, ties: 2, balanced_f1: null, agreement: null, kappa: null },
        B: { n: 0, ties: 2, balanced_f1: null, agreement: null, kappa: null },
        C: { n: 2, ties: 0, balanced_f1: 0, agreement: 0, kappa: -1 },
      },
    });

    // accuracy: c1 only (c2 ties), T vs T: only "met" occurs, F1 1; kappa 0/0. completeness c3 c4 c5: judge F F T vs F T T:
    // "met" TP 1 FN 1 -> 2/3, "not met" TP 1 FP 1 -> 2/3; kappa expected 1/3*2/3 + 2/3*1/3 = 4/9, (2/3 - 4/9) / (5/9) = 2/5.
    expect(report.by_axis).toEqual({
      accuracy: { n: 1, ties: 1, balanced_f1: 1, agreement: 1, kappa: null },
      completeness: {
        n: 3,
        ties: 0,
        balanced_f1: expect.closeTo(2 / 3, 12),
        agreement: expect.closeTo(2 / 3, 12),
        kappa: expect.closeTo(0.4, 12),
      },
    });
  });

  it("reads HealthBench meta-eval rows, matching completions by completion_id and grouping by category", async () => {
    const official = (completionId: string, labels: boolean[], ids: string[]) => ({
      prompt_id: "q",
      completion_id: completionId,
      prompt: [{ role: "user", content: "question" }],
      completion: "an answer as plain text",
      rubric: "d1",
      binary_labels: labels,
      anonymized_physician_ids: ids,
      category: "cluster_k",
    });
    const report = await runMetaEval(
      await files(
        [
          gradedRow("q", [["d1", "accuracy", T]], { completion_id: "q-a" }),
          gradedRow("q", [["d1", "accuracy", F]], { completion_id: "q-b" }),
        ],
        [official("q-b", [F, F], ["x", "y"]), official("q-a", [T], ["x"]), official("q-c", [T], ["x"])],
      ),
    );
    expect(report).toMatchObject({ n_items: 2, n_labels: 3, unmatched_labels: 1 });
    expect(report.judge_vs_raters.raters).toEqual({ x: { n: 2, balanced_f1: 1, agreement: 1 }, y: { n: 1, balanced_f1: 1, agreement: 1 } });
    expect(report.by_category).toEqual({ cluster_k: { n: 2, ties: 0, balanced_f1: 1, agreement: 1, kappa: 1 } });
  });

  const badLabels: [string, unknown, string][] = [
    [
      "a label not a boolean",
      { ...labelRow("p1", "c1", {}), labels: [{ rater: "A", criteria_met: "yes" }] },
      "labels.0.criteria_met: Invalid input: expected boolean, received string",
    ],
    ["no labels", labelRow("p1", "c1", {}), "labels: must have at least one label"],
    [
      "a rater twice",
      {
        ...labelRow("p1", "c1", {}),
        labels: [
          { rater: "A", criteria_met: T },
          { rater: "A", criteria_met: F },
        ],
      },
      'labels.1.rater: rater "A" labels this item twice',
    ],
    ["an empty rater", labelRow("p1", "c1", { "": T }), "labels.0.rater: must not be empty"],
    [
      "HealthBench ids and labels of different lengths",
      { prompt_id: "p1", completion_id: "x", rubric: "c1", binary_labels: [T, F], anonymized_physician_ids: ["a"] },
      "anonymized_physician_ids: has 1 ids for 2 labels",
    ],
    ["broken JSON", "{", "$: invalid JSON"],
  ];

  it.each(badLabels)("names file, line and field for %s", async (_name, bad, expected) => {
    const { graded, labels } = await threeRaters();
    await writeFile(labels, `${JSON.stringify(labelRow("p1", "c1", { A: T }))}\n${typeof bad === "string" ? bad : JSON.stringify(bad)}\n`);
    const error = await runMetaEval({ graded, labels }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputError);
    // Only the start: JSON.parse's own wording follows "invalid JSON".
    expect((error as InputError).message.slice(0, labels.length + expected.length + 4)).toBe(`${labels}:2: ${expected}`);
  });

  it("refuses a label that cannot tell two graded completions apart, and labels matching nothing", async () => {
    const graded = [
      gradedRow("q", [["d1", "accuracy", T]], { completion_id: "q-a" }),
      gradedRow("q", [["d1", "accuracy", F]], { completion_id: "q-b" }),
    ];
    const ambiguous = await files(graded, [labelRow("q", "d1", { A: T })]);
    await expect(runMetaEval(ambiguous)).rejects.toThrow(`${ambiguous.labels}:1: completion_id: needed: prompt_id "q" has 2 graded rows`);
    const nothing = await files(graded, [{ ...labelRow("q", "d2", { A: T }), completion_id: "q-a" }]);
    await expect(runMetaEval(nothing)).rejects.toThrow(`${nothing.labels}: no label row matches a graded rubric item`);
  });

  it("takes a criterion repeated in one rubric as one item when graded alike, and drops repeated graded rows", async () => {
    const alike = gradedRow("r", [
      ["e1", "accuracy", T],
      ["e1", "accuracy", T],
    ]);
    const report = await runMetaEval(await files([alike, alike], [labelRow("r", "e1", { A: T })]));
    expect(report.judge_vs_raters.raters).toEqual({ A: { n: 1, balanced_f1: 1, agreement: 1 } });
    const differ = await files(
      [
        gradedRow("r", [
          ["e1", "accuracy", T],
          ["e1", "accuracy", F],
        ]),
      ],
      [labelRow("r", "e1", { A: T })],
    );
    await expect(runMetaEval(differ)).rejects.toThrow(
      `${differ.labels}:1: the criterion matches 2 rubric items of prompt_id "r" whose verdicts differ`,
    );
  });
});

// Graded runs whose verdicts rater A copies and rater B copies with every fifth negated: the
// bundled demo run (91 items) everywhere, the recorded HealthBench run (1,157) where it is present.
const gradedRuns = [
  { name: "the bundled demo run", file: demoFile, items: 91 },
  { name: `the recorded HealthBench run ${needsRealData("judged_responses.jsonl")}`, file: recordedFile, items: 1157 },
];

describe("runMetaEval on graded runs", () => {
  for (const run of gradedRuns)
    it.skipIf(!run.file)(`agrees fully with the verdicts of ${run.name} and as counted with every fifth one negated`, async () => {
      const judged = run.file as string;
      const items = run.items;
      const ties = Math.floor(items / 5);
      const rows = readFileSync(judged, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { prompt_id: string; rubrics: { criterion: string }[]; verdicts: { criteria_met: boolean }[] });
      // Rater A copies the judge; rater B negates the 5th, 10th, ... verdict, counted into a confusion matrix for B as truth.
      const counts = { tp: 0, fp: 0, fn: 0, tn: 0 };
      let k = 0;
      const labels = rows.flatMap((row) =>
        row.rubrics.map((item, i) => {
          const judge = row.verdicts[i]?.criteria_met === true;
          const b = ++k % 5 === 0 ? !judge : judge;
          counts[judge ? (b ? "tp" : "fp") : b ? "fn" : "tn"]++;
          return labelRow(row.prompt_id, item.criterion, { A: judge, B: b });
        }),
      );
      const { tp, fp, fn, tn } = counts;
      expect(k).toBe(items);
      expect(fp + fn).toBe(ties);
      const expectedF1 = ((2 * tp) / (2 * tp + fp + fn) + (2 * tn) / (2 * tn + fn + fp)) / 2;

      const dir = await tempDir();
      const labelsFile = join(dir, "labels.jsonl");
      await writeFile(labelsFile, labels.map((row) => JSON.stringify(row)).join("\n"));
      const report = await runMetaEval({ graded: judged, labels: labelsFile });
      expect(report).toMatchObject({ n_items: items, n_labels: 2 * items, judge_failures: 0, unmatched_labels: 0 });
      expect(report.judge_vs_raters.raters.A).toEqual({ n: items, balanced_f1: 1, agreement: 1 });
      expect(report.judge_vs_raters.raters.B).toEqual({
        n: items,
        balanced_f1: expect.closeTo(expectedF1, 12),
        agreement: (tp + tn) / items,
      });
      expect(report.judge_vs_raters.mean_balanced_f1).toBeCloseTo((1 + expectedF1) / 2, 12);
      // Where A and B differ the two raters tie; elsewhere the majority is the judge's own verdict.
      expect(report.judge_vs_majority).toEqual({ n: items - ties, ties, balanced_f1: 1, agreement: 1, kappa: 1 });
      expect(report.rater_vs_rater?.pairs).toEqual([
        { raters: ["A", "B"], n: items, balanced_f1: expect.closeTo(expectedF1, 12), agreement: (tp + tn) / items },
      ]);
      expect(report.rater_vs_rater?.leave_one_out).toEqual({ mean_balanced_f1: null, raters: {} });
      expect(Object.keys(report.by_axis)).toEqual([
        "accuracy",
        "communication_quality",
        "completeness",
        "context_awareness",
        "instruction_following",
      ]);

      const table = formatMetaEvalTable(report, "title");
      expect(table).toMatch(new RegExp(`^judge vs majority\\s+1\\.0000\\s+1\\.0000\\s+1\\.0000\\s+${items - ties}\\s+${ties}$`, "m"));
      expect(table).toMatch(new RegExp(`^ {2}A ~ B\\s+0\\.\\d{4}\\s+${((items - ties) / items).toFixed(4)}\\s+-\\s+${items}\\s+-$`, "m"));
    });
});

describe("medrubric meta-eval", () => {
  it("prints one JSON object with --json, a table otherwise, and names bad label rows", async () => {
    const inputs = await threeRaters();
    const json = await runCli(["meta-eval", "--input", inputs.graded, "--labels", inputs.labels, "--json"]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(await runMetaEval(inputs));
    expect(json.stderr).toContain("1 label rows match no graded rubric item");
    const table = await runCli(["meta-eval", "--input", inputs.graded, "--labels", inputs.labels]);
    expect(table.stdout).toContain("judge vs majority");
    await writeFile(
      inputs.labels,
      `${JSON.stringify(labelRow("p1", "c1", { A: T }))}\n{"prompt_id": "p1", "criterion": "c2", "labels": []}\n`,
    );
    const bad = await runCli(["meta-eval", "--input", inputs.graded, "--labels", inputs.labels]);
    expect(bad.code).toBe(EXIT_CODES.input);
    expect(bad.stderr).toContain(`${inputs.labels}:2: labels: must have at least one label`);
  });

  it("sets a second graded file (another --judge-style) against the same labels with --compare", async () => {
    const inputs = await threeRaters();
    // The second judge agrees with the majority on c4 (met by A and C) where the first did not.
    const second = await files(
      [
        gradedRow("p1", [
          ["c1", "accuracy", T],
          ["c2", "accuracy", T],
          ["c3", "completeness", F],
          ["c4", "completeness", T],
        ]),
        gradedRow("p2", [
          ["c5", "completeness", T],
          ["c6", "completeness", T],
        ]),
      ],
      [],
    );
    const args = ["meta-eval", "--input", inputs.graded, "--labels", inputs.labels, "--compare", second.graded];
    const json = await runCli([...args, "--json"]);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.compared).toEqual({ graded: second.graded, ...(await runMetaEval({ graded: second.graded, labels: inputs.labels })) });
    expect(parsed.judge_vs_majority.agreement).toBeLessThan(parsed.compared.judge_vs_majority.agreement);
    const table = await runCli(args);
    expect(table.stdout).toContain(`comparison: ${inputs.graded} (first) vs ${second.graded} (second)`);
    expect(table.stdout).toMatch(/^judge failures\s+1\s+0\s+-1$/m);
  });
});
