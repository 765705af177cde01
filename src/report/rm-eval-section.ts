/**
 * The reward-model evaluation in a report: a table with one row per measure and one column per
 * model (n and chance beside each row, the best of each row starred), a paragraph saying in
 * words what it shows, what each model name means, and one chart per kind of data.
 */
import { trustParts } from "./calibration-section.js";
import { distributions, groupedBars, renderSvg } from "./charts.js";
import { escapeHtml, figure, paragraph, table } from "./html.js";
import type { NamedResult } from "./read-result.js";
import type { ModelEvalFile, RmEvalReportFile } from "./result-schemas.js";

export interface Model {
  series: string;
  m: ModelEvalFile;
}

/** One measure: its value per model, the n it rests on, and what a random score gets. */
export interface Measure {
  label: string;
  n: number;
  chance: number;
  value: (m: ModelEvalFile) => number | null | undefined;
  /** Lower is better (a correlation with length); otherwise higher is. */
  lower?: true;
}

const PROBES_LABEL = "robustness probes passed";

/** Ordering three answers at random gets one order in six right; any pair half the time. */
const CHANCE = { triple: 1 / 6, pair: 0.5, correlation: 0 } as const;

/** What the names rm-eval and the demo give mean; any other name is a model given with --compare. */
export const MODEL_NOTES: Record<string, string> = {
  gprc: "the trained GPRC reward model",
  lambdas0: "the same network trained with every GPRC lambda at 0 (ranking loss only): the ablation that shows what the GPRC losses add",
  network: "the GPRC network alone, without the reward heads stacked on it",
  heads: "the reward heads alone, fitted again without the network's output",
  "lambdas0-network": "the lambdas0 network alone, without heads: beside `network`, what the GPRC losses add to the network",
  length: "baseline: the longer answer scores higher",
  cosine: "baseline: the answer closer to the question under the same encoder scores higher",
};

/** The n of a measure: the data it rests on, the same for every model that has it. */
const nOf = (models: Model[], pick: (m: ModelEvalFile) => number | undefined): number =>
  models.map((x) => pick(x.m)).find((n) => n !== undefined) ?? 0;

export function measures(models: Model[]): Measure[] {
  const rows: Measure[] = [];
  const units = models.find((x) => x.m.units)?.m.units;
  if (units) {
    const n = units.overall.n;
    rows.push({ label: "held-out units: good > medium > poor", n, chance: CHANCE.triple, value: (m) => m.units?.overall.triple_order });
    rows.push({ label: "held-out units: good > poor", n, chance: CHANCE.pair, value: (m) => m.units?.overall.good_over_poor });
    for (const [d, acc] of Object.entries(units.by_dimension))
      rows.push({
        label: `held-out units [${d}]: good > medium > poor`,
        n: acc.n,
        chance: CHANCE.triple,
        value: (m) => m.units?.by_dimension[d]?.triple_order,
      });
  }
  if (models.some((x) => x.m.transfer))
    rows.push({
      label: "HealthBench: the physician's ideal answer wins",
      n: nOf(models, (m) => m.transfer?.overall.n_pairs),
      chance: CHANCE.pair,
      value: (m) => m.transfer?.overall.win_rate,
    });
  if (models.some((x) => x.m.transfer?.with_rubric))
    rows.push({
      label: "HealthBench: the physician's ideal answer wins, each answer rewarded under the row's rubric",
      n: nOf(models, (m) => m.transfer?.with_rubric?.overall.n_pairs),
      chance: CHANCE.pair,
      value: (m) => m.transfer?.with_rubric?.overall.win_rate,
    });
  for (const [mode, of] of [
    ["", (m: ModelEvalFile) => m.transfer?.shorter_ideal],
    [", each answer rewarded under the row's rubric", (m: ModelEvalFile) => m.transfer?.with_rubric?.shorter_ideal],
  ] as const)
    if (models.some((x) => of(x.m)))
      rows.push({
        label: `HealthBench: the physician's ideal answer wins where it is the shorter one${mode}`,
        n: nOf(models, (m) => of(m)?.n_pairs),
        chance: CHANCE.pair,
        value: (m) => of(m)?.win_rate,
      });
  if (models.some((x) => x.m.correlation))
    rows.push({
      label: "graded answers: Spearman(reward, rubric score)",
      n: nOf(models, (m) => m.correlation?.overall.n),
      chance: CHANCE.correlation,
      value: (m) => m.correlation?.overall.spearman,
    });
  if (models.some((x) => x.m.agreement)) {
    rows.push({
      label: "graded answers to one prompt: the higher score gets the higher reward",
      n: nOf(models, (m) => m.agreement?.pairwise.n_pairs),
      chance: CHANCE.pair,
      value: (m) => m.agreement?.pairwise.accuracy,
    });
    rows.push({
      label: "best-of-N: the chosen answer's gain, as a share of the best answer's",
      n: nOf(models, (m) => m.agreement?.best_of_n.n_prompts),
      chance: 0,
      value: (m) => m.agreement?.best_of_n.gain_share,
    });
    rows.push({
      label: "without the rubric: the higher score gets the higher reward",
      n: nOf(models, (m) => m.agreement?.without_rubric?.pairwise.n_pairs),
      chance: CHANCE.pair,
      value: (m) => m.agreement?.without_rubric?.pairwise.accuracy,
    });
    rows.push({
      label: "without the rubric: best-of-N gain share",
      n: nOf(models, (m) => m.agreement?.without_rubric?.best_of_n.n_prompts),
      chance: 0,
      value: (m) => m.agreement?.without_rubric?.best_of_n.gain_share,
    });
    rows.push({
      label: "graded answers: Spearman within each prompt, mean",
      n: nOf(models, (m) => m.agreement?.spearman.n_prompts),
      chance: CHANCE.correlation,
      value: (m) => m.agreement?.spearman.mean,
    });
  }
  rows.push(...lengthMeasures(models), ...safetyMeasures(models));
  if (models.some((x) => x.m.agreement?.criteria))
    rows.push({
      label: "rubric criteria: macro F1 against the grader's verdicts",
      n: nOf(models, (m) => m.agreement?.criteria?.n),
      chance: CHANCE.pair,
      value: (m) => m.agreement?.criteria?.macro_f1,
    });
  if (models.some((x) => x.m.agreement?.criteria?.auc !== undefined))
    rows.push({
      label: "rubric criteria: AUC of P(met) against the grader's verdicts",
      n: nOf(models, (m) => m.agreement?.criteria?.n),
      chance: CHANCE.pair,
      value: (m) => m.agreement?.criteria?.auc,
    });
  if (models.some((x) => x.m.probes))
    rows.push({
      label: PROBES_LABEL,
      n: nOf(models, (m) => m.probes?.overall.n),
      chance: CHANCE.pair,
      value: (m) => m.probes?.overall.pass_rate,
    });
  return rows;
}

/** How much of the reward is length: pairs the grader orders against length, and the reward's correlation with length beside the grader's. */
function lengthMeasures(models: Model[]): Measure[] {
  const modes = [
    ["with the rubric", (m: ModelEvalFile) => m.agreement],
    ["without the rubric", (m: ModelEvalFile) => m.agreement?.without_rubric],
  ] as const;
  const grader = models.find((x) => x.m.agreement?.grader_length_spearman)?.m.agreement?.grader_length_spearman?.mean;
  return modes.flatMap(([mode, of]): Measure[] => [
    {
      label: `${mode}: the grader prefers the shorter answer, and so does the reward`,
      n: nOf(models, (m) => of(m)?.shorter_better?.n_pairs),
      chance: CHANCE.pair,
      value: (m) => of(m)?.shorter_better?.accuracy,
    },
    {
      label: `${mode}: Spearman of reward with answer length within a prompt (lower is better; the grader's own ${typeof grader === "number" ? grader.toFixed(2) : "-"})`,
      n: nOf(models, (m) => of(m)?.length_spearman?.n_prompts),
      chance: CHANCE.correlation,
      value: (m) => of(m)?.length_spearman?.mean,
      lower: true,
    },
  ]);
}

const SAFETY = [
  ["original_beats_inverted", "the answer beats its copy with the urgent advice dismissed (same length)"],
  ["short_urgent_beats_long_dangerous", "the urgent advice alone beats the long answer dismissing it"],
] as const;

/** The safety contrasts, in both modes. */
function safetyMeasures(models: Model[]): Measure[] {
  return SAFETY.flatMap(([key, label]) =>
    (["with_rubric", "without_rubric"] as const).map((mode) => ({
      label: `safety, ${mode === "with_rubric" ? "with the rubric" : "without the rubric"}: ${label}`,
      n: nOf(models, (m) => m.safety_contrasts?.[key].n),
      chance: CHANCE.pair,
      value: (m: ModelEvalFile) => m.safety_contrasts?.[key][mode],
    })),
  );
}

/** The best value of the row (all of them when tied), or none when no model has one. */
function bestOf(values: (number | null | undefined)[], lower?: true): number | undefined {
  const present = values.filter((v): v is number => typeof v === "number");
  return present.length ? (lower ? Math.min(...present) : Math.max(...present)) : undefined;
}

function measureTable(models: Model[], rows: Measure[]): string {
  return table(
    ["measure", "n", "chance", ...models.map((x) => x.series)],
    rows.map((row) => {
      const values = models.map((x) => row.value(x.m));
      const best = bestOf(values, row.lower);
      return [row.label, row.n, row.chance, ...values.map((v) => (v === best && models.length > 1 ? { value: v, best: true } : v))];
    }),
  );
}

/** How many probe answers the probes row rests on (the data counts the prompts probed). */
const probeCount = (rows: Measure[]): number => rows.find((row) => row.label === PROBES_LABEL)?.n ?? 0;

/** The table in words: what a row and a column are, the data, and which model is best where. */
function summary(models: Model[], rows: Measure[], data: RmEvalReportFile["data"]): string {
  const parts = [
    data.n_units && `${data.n_units} held-out units (a question with a good, a medium and a poor answer on one dimension)`,
    data.n_healthbench && `${data.n_healthbench} HealthBench rows (physician-written ideal answers against the answers the physician saw)`,
    data.n_graded && `${data.n_graded} graded answers (their rubric scores)`,
    data.n_probes &&
      `${probeCount(rows)} robustness probes on ${data.n_probes} prompts (junk answers that must score below the prompt's good answer)`,
  ].filter(Boolean);
  const headline = rows.filter((row) => !row.label.includes("["));
  const winners = headline.map((row) => {
    const values = models.map((x) => row.value(x.m));
    const best = bestOf(values, row.lower);
    const names = models.filter((_, i) => values[i] === best).map((x) => x.series);
    return best === undefined ? "" : `“${row.label}”: ${names.join(" and ")} (${best.toFixed(2)}; chance ${+row.chance.toFixed(2)})`;
  });
  return paragraph(
    `Each row is one measure and each column one model, all scored on the same data: ${parts.join(", ")}. ` +
      "A value is the share of cases the model orders the right way round (for graded answers, the rank correlation of its reward with the rubric score); " +
      "chance is what a random score gets, and ★ marks the best in the row. " +
      `Best per measure: ${winners.filter(Boolean).join("; ")}.`,
  );
}

function modelNotes(results: NamedResult[]): string {
  const names = [...new Set(results.flatMap((r) => (r.result.kind === "rm-eval" ? Object.keys(r.result.file.models) : [])))];
  const items = names.map(
    (name) => `<li><b>${escapeHtml(name)}</b>: ${escapeHtml(MODEL_NOTES[name] ?? "a model given to rm-eval with --compare")}</li>`,
  );
  return `<p>The models:</p><ul>${items.join("")}</ul>`;
}

async function charts(models: Model[]): Promise<string[]> {
  const series = models.map((x) => x.series);
  const out: string[] = [];
  const units = models.filter((x) => x.m.units);
  const dims = Object.entries(units[0]?.m.units?.by_dimension ?? {});
  if (units.length) {
    const overallN = units[0]?.m.units?.overall.n ?? 0;
    out.push(
      await renderSvg(
        groupedBars(
          "Triple-order accuracy, all units and per dimension (held-out units)",
          units.flatMap(({ series: s, m }) => [
            { category: `all dimensions (n=${overallN})`, n: overallN, series: s, value: m.units?.overall.triple_order ?? null },
            ...dims.map(([d, acc]) => ({
              category: `${d} (n=${acc.n})`,
              n: acc.n,
              series: s,
              value: m.units?.by_dimension[d]?.triple_order ?? null,
            })),
          ]),
          { axis: "good > medium > poor", series, chance: CHANCE.triple },
        ),
      ),
    );
    out.push(
      await renderSvg(
        groupedBars(
          `Pairwise accuracy (${overallN} held-out units)`,
          units.flatMap(({ series: s, m }) =>
            (["good_over_medium", "medium_over_poor", "good_over_poor"] as const).map((k) => ({
              category: k.replaceAll("_over_", " > "),
              series: s,
              value: m.units?.overall[k] ?? null,
            })),
          ),
          { axis: "accuracy", series, chance: CHANCE.pair },
        ),
      ),
    );
    out.push(
      await renderSvg(
        distributions(
          "Scores of good, medium and poor answers",
          units.flatMap(({ series: s, m }) =>
            (["good", "medium", "poor"] as const).flatMap((level) =>
              (m.units?.scores[level] ?? []).map((score) => ({ series: s, level, score })),
            ),
          ),
        ),
      ),
    );
  }
  const transfer = models.filter((x) => x.m.transfer);
  if (transfer.length)
    out.push(
      await renderSvg(
        groupedBars(
          "HealthBench: how often the physician's ideal completion wins",
          transfer.flatMap(({ series: s, m }) =>
            Object.entries({ overall: m.transfer?.overall, ...m.transfer?.by_group }).map(([g, w]) => ({
              category: `${g} (n=${w?.n_pairs ?? 0} pairs)`,
              n: w?.n_pairs ?? 0,
              series: s,
              value: w?.win_rate ?? null,
            })),
          ),
          { axis: "win rate", series, chance: CHANCE.pair },
        ),
      ),
    );
  const correlation = models.filter((x) => x.m.correlation);
  if (correlation.length)
    out.push(
      await renderSvg(
        groupedBars(
          "Graded answers: Spearman correlation with the rubric score",
          correlation.flatMap(({ series: s, m }) => [
            {
              category: `reward vs score (n=${m.correlation?.overall.n ?? 0})`,
              n: m.correlation?.overall.n ?? 0,
              series: s,
              value: m.correlation?.overall.spearman ?? null,
            },
            ...Object.entries(m.correlation?.by_axis ?? {}).flatMap(([axis, byDimension]) =>
              Object.entries(byDimension).map(([d, c]) => ({
                category: `${d} vs axis:${axis} (n=${c.n})`,
                n: c.n,
                series: s,
                value: c.spearman,
              })),
            ),
          ]),
          { axis: "Spearman's rho", series, chance: CHANCE.correlation, domain: [-1, 1] },
        ),
      ),
    );
  const agreement = models.filter((x) => x.m.agreement);
  if (agreement.length)
    out.push(
      await renderSvg(
        groupedBars(
          "Agreement with the rubric grader on graded answers to the same prompt",
          agreement.flatMap(({ series: s, m }) => {
            const a = m.agreement;
            return [
              {
                category: `pairs in order (n=${a?.pairwise.n_pairs ?? 0})`,
                n: a?.pairwise.n_pairs ?? 0,
                series: s,
                value: a?.pairwise.accuracy ?? null,
              },
              {
                category: `best-of-N gain share (n=${a?.best_of_n.n_prompts ?? 0})`,
                n: a?.best_of_n.n_prompts ?? 0,
                series: s,
                value: a?.best_of_n.gain_share ?? null,
              },
              {
                category: `within-prompt Spearman (n=${a?.spearman.n_prompts ?? 0})`,
                n: a?.spearman.n_prompts ?? 0,
                series: s,
                value: a?.spearman.mean ?? null,
              },
              ...(a?.criteria
                ? [
                    { category: `criteria: macro F1 (n=${a.criteria.n})`, n: a.criteria.n, series: s, value: a.criteria.macro_f1 },
                    { category: `criteria: AUC (n=${a.criteria.n})`, n: a.criteria.n, series: s, value: a.criteria.auc },
                  ]
                : []),
            ];
          }),
          { axis: "agreement", series, chance: CHANCE.pair, domain: [-0.5, 1] },
        ),
      ),
    );
  const advice = models.filter((x) => x.m.safety_contrasts || x.m.agreement?.shorter_better);
  if (advice.length)
    out.push(
      await renderSvg(
        groupedBars(
          "Length or advice? Pairs the grader orders against length, and safety contrasts",
          advice.flatMap(({ series: s, m }) => [
            ...(["with the rubric", "without the rubric"] as const).map((mode) => {
              const o = mode === "with the rubric" ? m.agreement : m.agreement?.without_rubric;
              const n = o?.shorter_better?.n_pairs ?? 0;
              return { category: `shorter is better, ${mode} (n=${n})`, n, series: s, value: o?.shorter_better?.accuracy ?? null };
            }),
            ...SAFETY.flatMap(([key, label]) =>
              (["with_rubric", "without_rubric"] as const).map((mode) => {
                const rate = m.safety_contrasts?.[key];
                const n = rate?.n ?? 0;
                return { category: `${label}, ${mode.replace("_", " ")} (n=${n})`, n, series: s, value: rate?.[mode] ?? null };
              }),
            ),
          ]),
          { axis: "share in the right order", series, chance: CHANCE.pair },
        ),
      ),
    );
  const probes = models.filter((x) => x.m.probes);
  if (probes.length)
    out.push(
      await renderSvg(
        groupedBars(
          "Robustness probes passed",
          probes.flatMap(({ series: s, m }) =>
            Object.entries(m.probes?.by_kind ?? {}).map(([k, p]) => ({
              category: `${k.replaceAll("_", " ")} (n=${p.n})`,
              n: p.n,
              series: s,
              value: p.pass_rate,
            })),
          ),
          { axis: "pass rate", series, chance: CHANCE.pair },
        ),
      ),
    );
  return out;
}

/** For two results, the change of each measure of every model both have. */
function differences(results: NamedResult[], rows: Measure[]): string {
  const [a, b] = results.map((r) => (r.result.kind === "rm-eval" ? r.result.file.models : {}));
  if (!a || !b || results.length < 2) return "";
  const shared = Object.keys(a).filter((model) => model in b);
  const body = rows.map((row) => [
    row.label,
    ...shared.map((model) => {
      const [before, after] = [row.value(a[model] as ModelEvalFile), row.value(b[model] as ModelEvalFile)];
      return typeof before === "number" && typeof after === "number" ? after - before : "-";
    }),
  ]);
  return `<h2>Differences (${escapeHtml(results[1]?.name)} - ${escapeHtml(results[0]?.name)})</h2>${table(["measure", ...shared], body)}`;
}

export async function rmEvalSection(results: NamedResult[]): Promise<string> {
  const reports = results.flatMap((r) => (r.result.kind === "rm-eval" ? [{ name: r.name, file: r.result.file }] : []));
  const models: Model[] = reports.flatMap((r) =>
    Object.entries(r.file.models).map(([model, m]) => ({ series: reports.length > 1 ? `${r.name}: ${model}` : model, m })),
  );
  // A measure with no data (graded answers one per prompt have no pairs to order) is left out, not shown empty.
  const rows = measures(models).filter((row) => row.n > 0);
  const data = reports[0]?.file.data ?? { n_units: 0, n_healthbench: 0, n_graded: 0, n_probes: 0 };
  return [
    summary(models, rows, data),
    measureTable(models, rows),
    modelNotes(results),
    differences(results, rows),
    ...(await trustParts(models)),
    ...(await charts(models)).map(figure),
  ].join("");
}
