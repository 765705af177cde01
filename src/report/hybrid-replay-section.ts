/**
 * The learning hybrid's replay in a report (`bench/hybrid.bench.ts --json`): per mode (static
 * triage, memory alone, the learning hybrid) the share of judge calls saved pass by pass over the
 * RL-like stream (a chart), by answers per prompt (a chart), and the table of what it cost: the
 * true mean |reward error|, the server's own estimate, pairs kept in the grader's order.
 */
import type { TopLevelSpec } from "vega-lite";
import { groupedBars, lines, renderSvg } from "./charts.js";
import { escapeHtml, figure, paragraph, table } from "./html.js";
import type { NamedResult } from "./read-result.js";
import type { HybridReplayFile } from "./result-schemas.js";

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const four = (x: number | null) => (x === null ? "-" : x.toFixed(4));

export interface Replay {
  name: string;
  file: HybridReplayFile;
}

/** A mode's name in the charts: alone for one result, prefixed by the result's name beside another. */
const seriesName = (replay: Replay, mode: string, several: boolean) => (several ? `${replay.name}: ${mode}` : mode);

/** Every mode of every replay shown, as the charts name them, in order. */
const modeSeries = (replays: readonly Replay[]) =>
  replays.flatMap((replay) => replay.file.modes.map((m) => seriesName(replay, m.mode, replays.length > 1)));

function describe({ name, file }: Replay, several: boolean): string {
  const r = file.replay;
  const text =
    `${several ? `${name}: ` : ""}${r.answers} answers to ${r.prompts} prompts (${(r.answers / Math.max(1, r.prompts)).toFixed(1)} per prompt) ` +
    `of ${r.graded_file}, folds ${r.folds_run.join(", ")} of ${r.folds} by prompt; error budget ${r.error_budget}, audit rate ${r.audit_rate}, seed ${r.seed}.`;
  return paragraph(text);
}

function figuresTable(replays: Replay[], several: boolean): string {
  const rows = replays.flatMap((replay) =>
    replay.file.modes.map((m) => [
      seriesName(replay, m.mode, several),
      `${m.judge_criteria} of ${m.criteria}`,
      pct(m.saved),
      `${pct(m.saved_first_half)} / ${pct(m.saved_second_half)}`,
      four(m.true_error),
      m.estimate === null ? "none" : `${four(m.estimate)} [${four(m.interval?.[0] ?? null)}, ${four(m.interval?.[1] ?? null)}]`,
      m.pairs_kept === null ? "-" : `${m.pairs_kept.toFixed(3)} (${m.pairs})`,
      m.decided_right === null ? "-" : m.decided_right.toFixed(3),
    ]),
  );
  return table(
    [
      "mode",
      "judge calls",
      "calls saved",
      "first / second half",
      "true mean |reward error|",
      "server's estimate [95% interval]",
      "pairs kept (n)",
      "decided right",
    ],
    rows,
  );
}

/** The saving pass by pass, one line per mode (of every replay shown): the report's chart, and the one bench/hybrid.bench.ts --chart writes. */
export function savedPerPassChart(replays: readonly Replay[]): TopLevelSpec {
  const several = replays.length > 1;
  const perPass = replays.flatMap((replay) =>
    replay.file.modes.flatMap((m) => m.saved_per_pass.map((y, i) => ({ series: seriesName(replay, m.mode, several), x: i + 1, y }))),
  );
  return lines("Judge calls saved, pass by pass (GRPO steps)", perPass, {
    x: "pass (two answers per prompt each)",
    y: "criteria decided without the judge",
    series: modeSeries(replays),
  });
}

export async function hybridReplaySection(results: NamedResult[]): Promise<string> {
  const replays = results.flatMap(({ name, result }) => (result.kind === "hybrid-replay" ? [{ name, file: result.file }] : []));
  const several = replays.length > 1;
  const byAnswers = replays.flatMap((replay) =>
    replay.file.modes.flatMap((m) =>
      m.saved_by_answers.map((g) => ({
        category: `${g.answers_per_prompt} answers per prompt`,
        series: seriesName(replay, m.mode, several),
        value: g.saved,
        n: g.answers,
      })),
    ),
  );
  return [
    paragraph(
      "Graded answers replayed through the reward server as an RL stream: each prompt's answers in a random order, two per request, " +
        "prompts in passes like GRPO steps (pass p sends every prompt's answers 2p-1 and 2p), the judge answering with the grader's recorded verdicts. " +
        "static: serve --triage with the model; memory: --error-budget without a model; hybrid: --error-budget with the model. " +
        "A criterion is saved when it was decided without a judge call (audits count as calls).",
    ),
    ...replays.map((replay) => describe(replay, several)),
    figuresTable(replays, several),
    figure(await renderSvg(savedPerPassChart(replays))),
    figure(
      await renderSvg(
        groupedBars("Judge calls saved, by answers per prompt in the stream", byAnswers, {
          axis: "criteria decided without the judge",
          series: modeSeries(replays),
        }),
      ),
    ),
    `<p class="source">${escapeHtml("Later passes hold only the prompts with that many answers, so their points rest on fewer prompts.")}</p>`,
  ].join("");
}
