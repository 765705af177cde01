/**
 * What `grade` and `eval` share: the judge flags, a resumable grading run with a
 * progress bar, the graded file and its summary, the closing score table with token usage,
 * cost and failures, and the failure-rate gate.
 */
import { type Command, Option } from "commander";
import { NetworkError, TemporaryError } from "../core/errors.js";
import { hashJson } from "../core/hash.js";
import { exampleKey } from "../healthbench/load.js";
import type { GradedExample } from "../healthbench/schema.js";
import { scoreGraded } from "../healthbench/score-graded.js";
import { writeJsonl } from "../io/jsonl.js";
import { checkOutputFiles, writeFileAtomic } from "../io/output-file.js";
import { type GradeStats, type GradeTask, gradeTasks } from "../judge/grade-run.js";
import { loadGraderPrompt, loadRubricGraderPrompt } from "../judge/grader-prompt.js";
import { createRubricJudge } from "../judge/rubric-judge.js";
import { DEFAULT_LEASE_MS } from "../judge/verdict-leases.js";
import { createWholeRubricJudge } from "../judge/whole-rubric-judge.js";
import type { RequestObserver } from "../llm/openai-client.js";
import type { UsageSummary } from "../llm/usage-meter.js";
import { reportFileBeside, resultText, writeReportBeside } from "../report/write-report.js";
import { STORE_OPTION_HELP, storePath } from "../store/open-store.js";
import type { Store } from "../store/store.js";
import { integerIn, numberIn } from "./flag-ranges.js";
import { checkGradingOutcome } from "./grading-outcome.js";
import { addLlmOptions, createClientFromFlags, JUDGE } from "./llm-options.js";
import { createProgress } from "./progress.js";
import { formatScoreTable } from "./score-table.js";

export interface GradingFlags extends Record<string, unknown> {
  out: string;
  store?: string;
  concurrency: number;
  maxParseRetries: number;
  maxFailureRate?: number;
  graderPrompt?: string;
  judgeStyle: JudgeStyle;
  leaseMs: number;
}

/** One judge call per criterion (HealthBench's protocol, exact), or one per answer for its whole rubric (cheaper, not exact). */
export const JUDGE_STYLES = ["per-criterion", "rubric"] as const;
export type JudgeStyle = (typeof JUDGE_STYLES)[number];

/** The judge's flags, as `grade` has them (`serve` makes the URL and model optional: it may run without a judge). */
export function addJudgeOptions(command: Command, optional = false): Command {
  return addLlmOptions(command, JUDGE, optional)
    .option("--max-parse-retries <n>", "times an unparseable judge answer is asked again before it is a judge failure", integerIn(0, 10), 2)
    .option("--grader-prompt <file>", "grader prompt template (default: the bundled prompt of the --judge-style)")
    .addOption(
      new Option(
        "--judge-style <style>",
        "per-criterion: one judge call per criterion (HealthBench's protocol, exact); rubric: one call grades all criteria of an answer (fewer calls and tokens, not HealthBench-exact; its own cache keys)",
      )
        .choices(JUDGE_STYLES)
        .default("per-criterion"),
    )
    .option(
      "--lease-ms <n>",
      "how long an item this run is asking stays reserved against other runs on the store without renewal (a killed run's lapse)",
      integerIn(1000, 3_600_000),
      DEFAULT_LEASE_MS,
    );
}

export function addGradingOptions(command: Command): Command {
  return addJudgeOptions(command)
    .requiredOption("--out <file>", "graded rows (JSONL, the format `score --input` reads); a summary goes beside it")
    .option("--store <file-or-url>", STORE_OPTION_HELP)
    .option("--concurrency <n>", "requests in flight at once", integerIn(1, 1024), 16)
    .option("--max-failure-rate <x>", "exit with code 75 when more than this fraction of items are judge failures", numberIn(0, 1));
}

/** The judge the flags describe (client, grader prompt, parse retries), with `concurrency` requests in flight at most. */
export async function createJudgeFromFlags(
  flags: Record<string, unknown> & Pick<GradingFlags, "maxParseRetries" | "graderPrompt"> & { judgeStyle?: JudgeStyle },
  concurrency: number,
  observer?: RequestObserver,
) {
  const client = createClientFromFlags(flags, JUDGE, concurrency, observer);
  const { maxParseRetries } = flags;
  if (flags.judgeStyle === "rubric")
    return { client, judge: createWholeRubricJudge({ client, prompt: await loadRubricGraderPrompt(flags.graderPrompt), maxParseRetries }) };
  return { client, judge: createRubricJudge({ client, prompt: await loadGraderPrompt(flags.graderPrompt), maxParseRetries }) };
}

const summaryFileOf = (out: string): string => out.replace(/(\.jsonl)?$/, ".summary.json");

/** Refuses, before any work, outputs (the graded file, its summary and report) that are inputs or not regular files. */
export async function checkGradingOutputs(flags: GradingFlags, inputs: readonly string[]): Promise<void> {
  const summary = summaryFileOf(flags.out);
  await checkOutputFiles([flags.out, summary, reportFileBeside(summary)], [...inputs, flags.graderPrompt, storePath(flags)]);
}

export interface UsageLine {
  label: string;
  usage: UsageSummary;
}

export async function runGrading(
  tasks: readonly GradeTask[],
  flags: GradingFlags,
  context: { kind: "grade" | "eval"; store: Store; title: string; otherUsage?: UsageLine[] },
): Promise<void> {
  const { client, judge } = await createJudgeFromFlags(flags, flags.concurrency);
  const dataHash = hashJson(tasks.map((task) => [exampleKey(task.example), task.completion]));
  const { store } = context;
  const run = await store.startRun(hashJson([context.kind, dataHash, judge.id, judge.promptVersion]), {
    kind: context.kind,
    config: client.settings,
    dataHash,
    judgeModel: judge.model,
    promptVersion: judge.promptVersion,
  });
  const runId = run.id;
  const total = tasks.reduce((n, task) => n + task.example.rubrics.length, 0);
  const progress = createProgress({ label: "grading", total });
  let result: Awaited<ReturnType<typeof gradeTasks>>;
  try {
    result = await gradeTasks(tasks, {
      judge,
      store,
      runId,
      concurrency: flags.concurrency,
      leaseMs: flags.leaseMs,
      onProgress: (done) => progress.update(done),
    });
  } catch (error) {
    await store.finishRun(runId, "failed", { error: (error as Error).message, usage: client.usage() });
    throw error;
  } finally {
    progress.stop();
  }
  const { rows, stats } = result;
  if (stats.judged === 0 && stats.unanswered > 0 && stats.unanswered === stats.failures) {
    const error = neverAnswered(rows, stats);
    await store.finishRun(runId, "failed", { error: error.message, usage: client.usage() });
    throw error;
  }
  const { report, rowMetrics } = scoreGraded(rows);
  const graded = rows.map((row, i) => ({ ...row, score: rowMetrics[i]?.overall_score ?? null, metrics: rowMetrics[i] ?? {} }));
  await writeJsonl(flags.out, graded);
  const usage = [...(context.otherUsage ?? []), { label: `judge ${judge.model}`, usage: client.usage() }];
  const summary = {
    run_id: runId,
    resumed: run.resumed,
    judge: { model: judge.model, settings: client.settings, prompt_version: judge.promptVersion },
    stats,
    usage,
    report,
  };
  const summaryFile = summaryFileOf(flags.out);
  const summaryResult = { kind: "grading-summary", file: summary } as const;
  await writeFileAtomic(summaryFile, resultText(summaryResult));
  const answers = { rows, scores: graded.map((row) => row.score) };
  const reportFile = await writeReportBeside(summaryFile, summaryResult, { title: context.title, answers });
  await store.finishRun(runId, report.overall.n > 0 ? "done" : "failed", summary);

  if (report.overall.n > 0) process.stdout.write(formatScoreTable(report, context.title));
  process.stdout.write(
    `${formatStats(stats)}\n${usage.map(formatUsage).join("\n")}\nwrote ${flags.out}\nwrote ${summaryFile}\nreport: ${reportFile}\n`,
  );
  checkGradingOutcome(report, stats, rows);
  const failureRate = stats.items === 0 ? 0 : stats.failures / stats.items;
  if (flags.maxFailureRate !== undefined && failureRate > flags.maxFailureRate) {
    throw new TemporaryError(
      `${stats.failures} of ${stats.items} items are judge failures (${(100 * failureRate).toFixed(1)}% > ${100 * flags.maxFailureRate}%); ` +
        "run the same command again to retry only those",
    );
  }
}

/** Every request failed, so nothing was graded: an outage (exit 69), not a run with a score of nothing. */
function neverAnswered(rows: readonly GradedExample[], stats: GradeStats): NetworkError {
  const last = rows.flatMap((row) => row.verdicts.flatMap((v) => (v.failure ? [v.failure] : []))).at(-1);
  return new NetworkError(
    `the judge answered none of the ${stats.unanswered} items asked (verdicts already cached are kept; run the same command again once it is reachable); last: ${last}`,
  );
}

function formatStats(stats: GradeStats): string {
  const percent = stats.items === 0 ? 0 : (100 * stats.failures) / stats.items;
  return `verdicts: ${stats.items} items, ${stats.cached} from cache, ${stats.judged} judged, ${stats.failures} judge failures (${percent.toFixed(1)}%)`;
}

export function formatUsage({ label, usage }: UsageLine): string {
  const cost = usage.cost === undefined ? "" : `, cost ${usage.cost.toFixed(4)}`;
  return `${label}: ${usage.requests} requests, ${usage.promptTokens} prompt + ${usage.completionTokens} completion tokens, ${usage.retries} retries${cost}`;
}
