/**
 * The WHERE clause of `medrubric verdicts list|remove` over the verdict cache, built once for both
 * backends: each filter field given adds one condition on its column. What differs between the
 * SQL dialects (placeholders, substring test, the age cutoff and its clock) is passed in.
 */
import type { VerdictFilter } from "./store.js";

export interface FilterDialect {
  /** The placeholder of the n-th parameter (1-based). */
  placeholder(n: number): string;
  /** True when `column` contains the text in `param`. */
  contains(column: string, param: string): string;
  /** True when `column` (the verdict's creation time) is before the cutoff `olderThanMs` ago; the value bound to `param`. */
  olderThan(column: string, param: string, olderThanMs: number): { sql: string; value: unknown };
}

export function verdictFilterWhere(filter: VerdictFilter, dialect: FilterDialect): { where: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const next = (value: unknown): string => {
    params.push(value);
    return dialect.placeholder(params.length);
  };
  if (filter.judgeModel !== undefined) conditions.push(`judge_model = ${next(filter.judgeModel)}`);
  if (filter.promptVersion !== undefined) conditions.push(`prompt_version = ${next(filter.promptVersion)}`);
  if (filter.criterionText !== undefined) conditions.push(dialect.contains("criterion", next(filter.criterionText)));
  if (filter.olderThanMs !== undefined) {
    const placeholder = dialect.placeholder(params.length + 1);
    const { sql, value } = dialect.olderThan("created_at", placeholder, filter.olderThanMs);
    params.push(value);
    conditions.push(sql);
  }
  return { where: conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : "", params };
}
