/**
 * The parts of the reward-model report that say whether its rewards can be trusted: how well
 * P(met) is calibrated (a reliability chart, and the calibration error and accuracy where the
 * model is sure, per model) and how often each master-key probe outscores a real answer, with the
 * rubric and without it.
 */
import { reliability, renderSvg } from "./charts.js";
import { figure, table } from "./html.js";
import type { ModelEvalFile } from "./result-schemas.js";

interface Model {
  series: string;
  m: ModelEvalFile;
}

const percent = (value: number | null | undefined) => (typeof value === "number" ? `${(100 * value).toFixed(1)}%` : "-");

async function calibrationParts(models: Model[]): Promise<string[]> {
  const calibrated = models.flatMap(({ series, m }) => {
    const c = m.agreement?.criteria?.calibration;
    return c ? [{ series, c, n: m.agreement?.criteria?.n ?? 0 }] : [];
  });
  if (calibrated.length === 0) return [];
  const rows = calibrated.flatMap(({ series, c }) =>
    c.bins.flatMap((b) => (b.mean_p === null || b.met_rate === null ? [] : [{ series, p: b.mean_p, rate: b.met_rate, n: b.n }])),
  );
  const chart = await renderSvg(
    reliability(
      "Is P(met) a probability? (graded criteria)",
      rows,
      calibrated.map((x) => x.series),
    ),
  );
  const summary = table(
    ["model", "criteria", "calibration error (ECE; lower is better)", "share with P >= 0.9 or <= 0.1", "right where that sure"],
    calibrated.map(({ series, c, n }) => [series, n, c.ece, percent(c.sure_share), percent(c.sure_accuracy)]),
  );
  return [`<h2>Calibration of P(met)</h2>${summary}`, figure(chart)];
}

function masterKeyPart(models: Model[]): string[] {
  const probed = models.filter(({ m }) => m.master_keys);
  if (probed.length === 0) return [];
  const kinds = Object.keys(probed[0]?.m.master_keys ?? {});
  const rows = kinds.map((kind) => [
    kind,
    probed[0]?.m.master_keys?.[kind]?.n ?? 0,
    ...probed.flatMap(({ m }) => {
      const rate = m.master_keys?.[kind];
      return [percent(rate?.beats_with_rubric), percent(rate?.beats_without_rubric)];
    }),
  ]);
  const header = ["probe", "pairs", ...probed.flatMap(({ series }) => [`${series}: with rubric`, `${series}: no rubric`])];
  return [
    `<h2>Master-key probes: how often a degenerate answer outscores a real one</h2>` +
      `<p>Lower is better; above 5% a policy trained on the reward can learn to answer with the probe. Ties count half.</p>${table(header, rows)}`,
  ];
}

export async function trustParts(models: Model[]): Promise<string[]> {
  return [...(await calibrationParts(models)), ...masterKeyPart(models)];
}
