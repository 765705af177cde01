/**
 * The flags `serve --judge-url` parses, for tests and benches that open the judge scorer in
 * process: the stand-in judge at `judgeUrl`, no retries, and the CLI's limits, each overridable.
 */
import type { JudgeServeFlags } from "../src/cli/serve-judge.js";

export function judgeServeFlags(judgeUrl: string, overrides: Partial<JudgeServeFlags> & { store: string }): JudgeServeFlags {
  return {
    judgeUrl: [judgeUrl],
    judgeModel: "grader",
    judgeTemperature: 0,
    judgeTimeoutMs: 10_000,
    judgeMaxResponseBytes: 1 << 20,
    judgeRetries: 0,
    maxParseRetries: 0,
    leaseMs: 30_000,
    judgeConcurrency: 4,
    maxQueue: 1000,
    maxJudgeWork: 4096,
    onUnjudged: "fail",
    requestTimeoutMs: 30_000,
    ...overrides,
  };
}
