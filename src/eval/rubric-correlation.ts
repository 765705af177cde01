/**
 * Agreement with rubric grading: over graded HealthBench rows, the Spearman correlation between
 * the model's reward for the graded completion and the row's rubric score, and per HealthBench
 * axis between each dimension mapped to that axis and the row's `axis:<x>` score. Rank
 * correlation because the reward and the rubric score live on different scales; only the order
 * is comparable. Rows whose verdicts are all judge failures cannot be scored and are skipped.
 */
import type { RewardModel, RewardScore } from "../core/types.js";
import { completionText, type GradedExample } from "../healthbench/schema.js";
import { tryExampleMetrics } from "../healthbench/scoring.js";
import { themeScenario } from "./healthbench-transfer.js";
import { type Correlation, DEFAULT_BATCH_SIZE, dimensionScore, scoreBatched, spearman } from "./score-batched.js";

export interface RubricCorrelation {
  /** Reward against the example's rubric score. */
  overall: Correlation;
  /** Axis (without the `axis:` prefix), then dimension: that dimension's score against the axis score. */
  by_axis: Record<string, Record<string, Correlation>>;
}

export async function rubricCorrelation(
  model: RewardModel,
  graded: readonly GradedExample[],
  axisDimensions: Readonly<Record<string, readonly string[]>>,
  batchSize = DEFAULT_BATCH_SIZE,
): Promise<RubricCorrelation> {
  const rows = graded.flatMap((row) => {
    const metrics = tryExampleMetrics(
      row,
      row.verdicts.map((verdict) => verdict.criteria_met),
    );
    return metrics ? [{ row, metrics }] : [];
  });
  const scores = await scoreBatched(
    model,
    rows.map(({ row }) => ({ prompt: row.prompt, response: completionText(row.completion), scenario: themeScenario(row.example_tags) })),
    batchSize,
  );
  const scored = rows.map(({ metrics }, i) => ({ metrics, score: scores[i] as RewardScore }));
  const byAxis = Object.entries(axisDimensions).map(([axis, dimensions]) => {
    // An axis score exists only for rows whose rubric has positive items on that axis.
    const withAxis = scored.filter(({ metrics }) => metrics[`axis:${axis}`] !== undefined);
    const axisScores = withAxis.map(({ metrics }) => metrics[`axis:${axis}`] as number);
    const perDimension = dimensions.map((dimension) => [
      dimension,
      spearman(
        withAxis.map(({ score }) => dimensionScore(score, dimension)),
        axisScores,
      ),
    ]);
    return [axis, Object.fromEntries(perDimension)];
  });
  return {
    overall: spearman(
      scored.map(({ score }) => score.reward),
      scored.map(({ metrics }) => metrics.overall_score as number),
    ),
    by_axis: Object.fromEntries(byAxis),
  };
}
