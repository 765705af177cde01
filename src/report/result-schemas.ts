/**
 * The result files `report` reads, one zod schema per kind, shared by the commands that write
 * them and the report that reads them: `score --json` (a score report), the grading summary
 * `grade` and `eval` write beside `--out`, `rm-eval --out` (and the demo's `rm-eval.json`) and
 * `standards coverage --out`, and the learning hybrid's replay (`bench/hybrid.bench.ts --json`). Writers pass their value through `z.input` of the schema, so a
 * field renamed on either side fails the type check instead of a user's report.
 */
import { z } from "zod";

const count = z.number().int().nonnegative();
/** A share that is undefined on no data: NaN in memory, null once written as JSON. */
const share = z.number().nullable();

// score is null when n is 0 (a run none of whose examples could be scored).
const clippedStat = z.object({ score: z.number().nullable(), bootstrap_std: z.number(), n: count });

export const scoreReportSchema = z.object({
  overall: clippedStat,
  by_tag: z.record(z.string(), clippedStat),
  length_adjusted: clippedStat.extend({ penalty: z.number(), center: z.number() }).optional(),
  judge_failures: z.object({ items: count, examples_excluded: count }).optional(),
});

const usageSchema = z.object({
  requests: count,
  promptTokens: count,
  completionTokens: count,
  retries: count,
  cost: z.number().optional(),
});

export const gradingSummarySchema = z.object({
  run_id: z.string(),
  resumed: z.boolean().optional(),
  judge: z.object({ model: z.string(), settings: z.unknown(), prompt_version: z.string() }).optional(),
  stats: z.object({ items: count, cached: count, judged: count, failures: count }),
  usage: z.array(z.object({ label: z.string(), usage: usageSchema })),
  report: scoreReportSchema,
});

const orderAccuracy = z.object({
  n: count,
  good_over_medium: share,
  medium_over_poor: share,
  good_over_poor: share,
  triple_order: share,
});
const winRate = z.object({ n_pairs: count, win_rate: share, n_examples: count });
const correlation = z.object({ n: count, spearman: share });
const passRate = z.object({ n: count, pass_rate: share });
const ordering = z.object({
  pairwise: z.object({ n_pairs: count, n_prompts: count, accuracy: share }),
  best_of_n: z.object({ n_prompts: count, gain_share: z.number().nullable() }),
  spearman: z.object({ n_prompts: count, mean: share }),
  shorter_better: z.object({ n_pairs: count, accuracy: share }).optional(),
  length_spearman: z.object({ n_prompts: count, mean: share }).optional(),
});
const calibration = z.object({
  ece: z.number(),
  sure_share: z.number(),
  sure_accuracy: share,
  bins: z.array(z.object({ lower: z.number(), n: count, mean_p: share, met_rate: share })),
});
const graderAgreement = ordering.extend({
  without_rubric: ordering.optional(),
  criteria: z.object({ n: count, accuracy: z.number(), macro_f1: z.number(), auc: share, calibration: calibration.optional() }).optional(),
  grader_length_spearman: z.object({ n_prompts: count, mean: share }).optional(),
});
const masterKeyRate = z.object({ n: count, beats_with_rubric: share, beats_without_rubric: share });
const contrastRate = z.object({ n: count, with_rubric: share, without_rubric: share });

export const modelEvalSchema = z.object({
  units: z
    .object({
      overall: orderAccuracy,
      by_dimension: z.record(z.string(), orderAccuracy),
      scores: z.object({ good: z.array(z.number()), medium: z.array(z.number()), poor: z.array(z.number()) }),
    })
    .optional(),
  transfer: z
    .object({
      overall: winRate,
      by_group: z.record(z.string(), winRate),
      shorter_ideal: winRate.optional(),
      with_rubric: z.object({ overall: winRate, by_group: z.record(z.string(), winRate), shorter_ideal: winRate.optional() }).optional(),
    })
    .optional(),
  correlation: z.object({ overall: correlation, by_axis: z.record(z.string(), z.record(z.string(), correlation)) }).optional(),
  agreement: graderAgreement.optional(),
  master_keys: z.record(z.string(), masterKeyRate).optional(),
  safety_contrasts: z
    .object({
      original_beats_inverted: contrastRate,
      original_beats_removed: contrastRate,
      short_urgent_beats_long_dangerous: contrastRate,
    })
    .optional(),
  probes: z.object({ overall: passRate, by_kind: z.record(z.string(), passRate) }).optional(),
});

export const rmEvalReportSchema = z.object({
  models: z.record(z.string(), modelEvalSchema),
  data: z.object({ n_units: count, n_healthbench: count, n_graded: count, n_probes: count }),
});

const assignedBy = z.object({ tag: count, classifier: count, none: count });

export const coverageReportSchema = z.object({
  standards_hash: z.string(),
  n_examples: count,
  scenarios: z.array(z.string()),
  disciplines: z.array(z.string()),
  dimensions: z.array(z.string()),
  counts: z.array(z.array(count)),
  by_dimension: z.record(z.string(), z.array(z.array(count))),
  empty_cells: z.array(z.object({ scenario: z.string(), discipline: z.string() })),
  unassigned: z.object({ scenario: count, discipline: count }),
  assigned_by: z.object({ scenario: assignedBy, discipline: assignedBy }),
});

const replayMode = z.object({
  /** static (serve --triage), memory (--error-budget without a model), hybrid (--error-budget with one). */
  mode: z.string(),
  answers: count,
  criteria: count,
  /** Criteria the judge was asked (audits included). */
  judge_criteria: count,
  /** Share of the criteria decided without the judge: over the stream, its first and second half, each pass (GRPO step). */
  saved: z.number(),
  saved_first_half: z.number(),
  saved_second_half: z.number(),
  saved_per_pass: z.array(z.number()),
  /** The saving by how many answers the prompt has in the stream. */
  saved_by_answers: z.array(z.object({ answers_per_prompt: z.string(), answers: count, saved: z.number() })),
  /** Mean |reward - exact reward| per answer, against the grader's verdicts. */
  true_error: z.number(),
  /** The server's own estimate of it and its 95% interval (null without an error budget). */
  estimate: z.number().nullable(),
  interval: z.tuple([z.number(), z.number()]).nullable(),
  pairs_kept: share,
  pairs: count,
  /** Of the criteria decided without the judge, the share the grader agreed with. */
  decided_right: share,
});

export const hybridReplaySchema = z.object({
  replay: z.object({
    graded_file: z.string(),
    folds: count,
    folds_run: z.array(count),
    prompts: count,
    answers: count,
    error_budget: z.number(),
    audit_rate: z.number(),
    seed: z.number().int(),
  }),
  modes: z.array(replayMode).min(1, "must have at least one mode"),
});

export type ScoreReportFile = z.output<typeof scoreReportSchema>;
export type GradingSummaryFile = z.output<typeof gradingSummarySchema>;
export type ModelEvalFile = z.output<typeof modelEvalSchema>;
export type RmEvalReportFile = z.output<typeof rmEvalReportSchema>;
export type CoverageReportFile = z.output<typeof coverageReportSchema>;
export type HybridReplayFile = z.output<typeof hybridReplaySchema>;

/** A result as the report sees it: its kind, and the validated file. */
export type Result =
  | { kind: "score"; file: ScoreReportFile }
  | { kind: "grading-summary"; file: GradingSummaryFile }
  | { kind: "rm-eval"; file: RmEvalReportFile }
  | { kind: "coverage"; file: CoverageReportFile }
  | { kind: "hybrid-replay"; file: HybridReplayFile };

export type ResultKind = Result["kind"];

/**
 * Each kind with the key only it has at the top, so a file of one kind with a bad field is told
 * that field, not that it is no result at all.
 */
export const RESULT_KINDS = [
  { kind: "rm-eval", key: "models", schema: rmEvalReportSchema, writtenBy: "rm-eval --out (and the demo's rm-eval.json)" },
  { kind: "coverage", key: "counts", schema: coverageReportSchema, writtenBy: "standards coverage --out" },
  { kind: "grading-summary", key: "run_id", schema: gradingSummarySchema, writtenBy: "grade and eval (the .summary.json beside --out)" },
  { kind: "score", key: "by_tag", schema: scoreReportSchema, writtenBy: "score --json" },
  {
    kind: "hybrid-replay",
    key: "replay",
    schema: hybridReplaySchema,
    writtenBy: "bench/hybrid.bench.ts --json (the learning hybrid's replay)",
  },
] as const;
