/**
 * `medrubric serve`: the reward server for RL trainers (OpenRLHF, verl, TRL). Binds 127.0.0.1
 * unless told otherwise; `--workers N` runs N processes sharing the port (node:cluster), each
 * with the model loaded in its own scoring thread; SIGTERM finishes the requests in flight first.
 * Any failure to serve (a port in use, a bad host) is one line and a sysexits code, from one
 * worker or many.
 */
import cluster from "node:cluster";
import { type Command, Option } from "commander";
import { ConfigError, describeError, EXIT_CODES, exitCodeOf, MedrubricError, TemporaryError, UsageError } from "../core/errors.js";
import { DEFAULT_MAX_JUDGE_WORK } from "../server/judge-work.js";
import type { ServedModel } from "../server/scoring-thread.js";
import {
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_MAX_ANSWER_CHARS,
  DEFAULT_MAX_BATCH_CHARS,
  DEFAULT_REQUEST_TIMEOUT_MS,
} from "../server/server-limits.js";
import { DEFAULT_UNJUDGED_POLICY, UNJUDGED_POLICIES } from "../server/unjudged-criteria.js";
import { integerIn, numberIn } from "./flag-ranges.js";
import { addJudgeOptions } from "./grading-session.js";
import { addHybridOptions } from "./hybrid-options.js";
import { addModelOptions, calibrationOf, loadModelFromFlags, type ModelFlags, noteUncalibrated } from "./rm-options.js";
import type { JudgeServeFlags } from "./serve-judge.js";

interface ServeFlags extends Omit<ModelFlags, "model">, JudgeServeFlags {
  model?: string;
  judgeUrl?: string[];
  judgeModel?: string;
  host: string;
  port: number;
  apiKeyEnv?: string;
  workers: number;
  maxBatch: number;
  maxWaitMs: number;
  maxQueue: number;
  maxBodyBytes: number;
  maxAnswerChars: number;
  maxBatchChars: number;
  requestTimeoutMs: number;
  drainTimeoutMs: number;
}

export function registerServe(program: Command): void {
  const command = program
    .command("serve")
    .description(
      "serve rewards over HTTP (OpenRLHF /get_reward, /v1/score, /v1/rerank, /metrics): a trained reward model, an LLM judge per rubric criterion, or both (--triage)",
    )
    .option("--host <host>", "address to bind (0.0.0.0 exposes it to the network)", "127.0.0.1")
    .option("--port <n>", "port (0: any free one)", integerIn(0, 65_535), 8000)
    .option("--api-key-env <name>", "require `Authorization: Bearer $NAME` on every route but /healthz")
    .option("--workers <n>", "processes sharing the port", integerIn(1, 256), 1)
    .option("--max-batch <n>", "answers scored per model batch at most", integerIn(1, 65_536), 64)
    .option(
      "--max-wait-ms <n>",
      "how long an idle model waits for a batch to fill (0: not at all; under load batches fill while the previous one runs)",
      integerIn(0, 60_000),
      0,
    )
    .option(
      "--max-queue <n>",
      "answers waiting or being scored at most (with a judge: criteria waiting for verdicts); beyond it requests get 429 (413 for a request larger than this)",
      integerIn(1, 10_000_000),
      4096,
    )
    .option("--max-body-bytes <n>", "largest request body; beyond it 413", integerIn(1, 2 ** 30), 4 * 1024 * 1024)
    .option(
      "--max-answer-chars <n>",
      "longest answer, query or prompt message in characters; beyond it 413 naming the field",
      integerIn(1, 10_000_000),
      DEFAULT_MAX_ANSWER_CHARS,
    )
    .option(
      "--max-batch-chars <n>",
      "characters of answers one model batch takes on (a longer answer runs alone); bounds how long a batch holds the model",
      integerIn(1, 100_000_000),
      DEFAULT_MAX_BATCH_CHARS,
    )
    .option(
      "--request-timeout-ms <n>",
      "a request not scored within this gets 503 and its unstarted answers are dropped; /healthz is unready while a batch runs longer",
      integerIn(100, 3_600_000),
      DEFAULT_REQUEST_TIMEOUT_MS,
    )
    .option(
      "--drain-timeout-ms <n>",
      "on SIGTERM, how long requests in flight may take to finish before their connections are cut (exit 75)",
      integerIn(0, 3_600_000),
      DEFAULT_DRAIN_TIMEOUT_MS,
    )
    .option(
      "--judge-concurrency <n>",
      "judge calls in flight at most, over all requests and all --workers (each worker takes its share; at least one each)",
      integerIn(1, 4096),
      16,
    )
    .option(
      "--max-judge-work <n>",
      "criteria one request may send to the judge (answers x criteria); beyond it 413, before any work",
      integerIn(1, 1_000_000),
      DEFAULT_MAX_JUDGE_WORK,
    )
    .addOption(
      new Option(
        "--on-unjudged <policy>",
        "an answer with criteria the judge could not judge (failure, deadline): fail it (the trainer retries; verdicts judged are cached), or give the reward over the criteria judged",
      )
        .choices(UNJUDGED_POLICIES)
        .default(DEFAULT_UNJUDGED_POLICY),
    )
    .option(
      "--triage <conf>",
      "with --model and a judge: criteria whose P(met) is >= CONF or <= 1 - CONF take the model's verdict, the rest go to the judge",
      numberIn(0.5, 1),
    );
  addHybridOptions(command);
  addJudgeOptions(command, true);
  addModelOptions(command, true).action(async (flags: ServeFlags) => {
    const apiKey = flags.apiKeyEnv === undefined ? undefined : process.env[flags.apiKeyEnv];
    if (flags.apiKeyEnv !== undefined && !apiKey)
      throw new ConfigError(`--api-key-env ${flags.apiKeyEnv}: the environment variable ${flags.apiKeyEnv} is empty or unset`);
    checkRewardSources(flags);
    if (flags.model && cluster.isPrimary) await checkCalibration(flags.model, flags.triage);
    if (flags.maxWaitMs >= flags.requestTimeoutMs)
      throw new UsageError(`--max-wait-ms ${flags.maxWaitMs}: must be below --request-timeout-ms ${flags.requestTimeoutMs}`);
    if (flags.workers > 1 && cluster.isPrimary) return runPrimary(flags.workers);
    if (cluster.isWorker) return runWorker(flags, apiKey);
    await runServer(flags, apiKey);
  });
}

/** The model, the judge, or both; --triage needs both. */
function checkRewardSources(flags: ServeFlags): void {
  if ((flags.judgeUrl === undefined) !== (flags.judgeModel === undefined))
    throw new UsageError("--judge-url and --judge-model go together");
  if (!flags.model && !flags.judgeUrl)
    throw new UsageError("nothing to serve: give --model DIR (the reward model), --judge-url URL --judge-model NAME (the judge), or both");
  if (flags.errorBudget !== undefined && !flags.judgeUrl)
    throw new UsageError(`--error-budget ${flags.errorBudget}: needs --judge-url (the judge it learns from and audits with)`);
  if (flags.errorBudget !== undefined && flags.triage !== undefined)
    throw new UsageError("--error-budget and --triage are two hybrids: give one");
  if (flags.triage !== undefined && !(flags.model && flags.judgeUrl))
    throw new UsageError(
      `--triage ${flags.triage}: needs both --model (whose P(met) decides the sure criteria) and --judge-url (for the rest)`,
    );
  if (flags.judgeUrl && flags.workers > flags.judgeConcurrency)
    throw new UsageError(
      `--judge-concurrency ${flags.judgeConcurrency}: below --workers ${flags.workers}; the workers share it, so each needs at least one call`,
    );
}

/**
 * This process's share of --judge-concurrency: the workers split it (the first ones take one more
 * when it does not divide), so the judge never has more calls in flight than the flag says.
 */
export function judgeConcurrencyShare(total: number, workers: number, workerId: number | undefined): number {
  if (workerId === undefined || workers <= 1) return total;
  const index = (workerId - 1) % workers;
  return Math.floor(total / workers) + (index < total % workers ? 1 : 0);
}

/** A model whose P(met) never saw a grader's verdicts is said so, and cannot decide criteria for the judge (--triage). */
async function checkCalibration(dir: string, triage: number | undefined): Promise<void> {
  const calibration = await calibrationOf(dir);
  if (triage !== undefined && !calibration.onVerdicts)
    throw new UsageError(
      `--triage ${triage}: ${dir} was trained without a grader's verdicts (like the demo's model), so its P(met) cannot stand in for the judge; train it with --graded FILE`,
    );
  noteUncalibrated(dir, calibration);
}

/** One server: the scoring thread and/or the judge, the app on its port, and a graceful stop on SIGTERM. */
async function runServer(flags: ServeFlags, apiKey: string | undefined): Promise<void> {
  const [
    { createRewardApp },
    { drainOnSignals, listen },
    { createServerMetrics },
    { startScoringThread },
    { openJudgeScorer },
    { watchEventLoopDelay },
  ] = await Promise.all([
    import("../server/reward-app.js"),
    import("../server/serve-rewards.js"),
    import("../server/server-metrics.js"),
    import("../server/scoring-thread.js"),
    import("./serve-judge.js"),
    import("../server/event-loop-delay.js"),
  ]);
  const metrics = createServerMetrics();
  const loop = watchEventLoopDelay(metrics.registry);
  let draining = false;
  let drainStarted = 0;
  const scoring = flags.model
    ? await startScoringThread(new URL(import.meta.url), flags, {
        maxBatch: flags.maxBatch,
        maxWaitMs: flags.maxWaitMs,
        maxQueue: flags.maxQueue,
        maxBatchCost: flags.maxBatchChars,
        deadlineMs: flags.requestTimeoutMs,
        onBatch: (size) => metrics.batchSize.observe(size),
      })
    : undefined;
  const judgeConcurrency = judgeConcurrencyShare(flags.judgeConcurrency, flags.workers, cluster.worker?.id);
  // A P(met) never calibrated on a grader's verdicts (the demo's model) is no evidence for the learning hybrid.
  const modelOnVerdicts = flags.judgeUrl && flags.model ? (await calibrationOf(flags.model)).onVerdicts : undefined;
  const judging = flags.judgeUrl
    ? await openJudgeScorer({ ...flags, judgeConcurrency, modelOnVerdicts }, metrics, scoring?.scorer)
    : undefined;
  const closeAll = async (judgeMs: number) => {
    const cut = (await judging?.close(judgeMs)) ?? 0;
    await scoring?.close();
    loop.stop();
    return cut;
  };
  const scorer = judging?.scorer ?? scoring?.scorer;
  if (!scorer) throw new UsageError("nothing to serve");
  const modelInfo = scoring?.info ?? { dimensions: [], standards_hash: null, encoder: null, scenarios: [] };
  const app = createRewardApp({
    scorer,
    info: judging ? { ...modelInfo, judge: judging.info } : modelInfo,
    hybridStatus: judging?.hybridStatus,
    metrics,
    apiKey,
    maxBodyBytes: flags.maxBodyBytes,
    maxAnswerChars: flags.maxAnswerChars,
    draining: () => draining,
    judgeDegraded: judging?.degraded,
    rubricsRequired: !scoring,
  });
  const server = await listen(app, flags.host, flags.port).catch(async (error) => {
    // The thread would keep the process alive after the error is reported.
    await closeAll(0);
    throw error;
  });
  process.stdout.write(`medrubric serve: listening on ${server.url} (pid ${process.pid})\n`);
  void scoring?.failed.then(async (error) => {
    // Without its model the server could only answer 500s; exiting lets a supervisor restart it.
    process.stderr.write(`medrubric serve: ${error.message}\n`);
    await server.close();
    process.exit(EXIT_CODES.internal);
  });
  const settleMs = cluster.isWorker ? WORKER_SETTLE_MS : 0;
  const cut = await drainOnSignals(server, {
    drainMs: flags.drainTimeoutMs,
    // A worker's fellows close their listeners when told to stop, not all at once; a client told
    // `Connection: close` before they all have could reconnect to the primary's closing handle
    // and be reset, so workers wait a moment before saying it.
    settleMs,
    onDraining: () => {
      draining = true;
      drainStarted = performance.now() - settleMs;
    },
  });
  // Every connection closed: every answer was sent. Judge calls still running (for requests past
  // their deadline) are waited for with what is left of the drain time, so their verdicts are saved.
  const judgeCut = await closeAll(Math.max(0, flags.drainTimeoutMs - (performance.now() - drainStarted)));
  if (cut > 0)
    throw new TemporaryError(`--drain-timeout-ms ${flags.drainTimeoutMs}: drain time over; cut ${cut} connections with requests in flight`);
  if (judgeCut > 0)
    throw new TemporaryError(`--drain-timeout-ms ${flags.drainTimeoutMs}: drain time over; dropped ${judgeCut} judge calls still running`);
}

const WORKER_SETTLE_MS = 250;

/** What a worker that cannot serve tells the primary, which reports it once for all workers. */
interface WorkerFailure {
  medrubricServeFailure: string;
  code: number;
}
const isWorkerFailure = (message: unknown): message is WorkerFailure =>
  typeof (message as WorkerFailure | null)?.medrubricServeFailure === "string";

async function runWorker(flags: ServeFlags, apiKey: string | undefined): Promise<void> {
  try {
    await runServer(flags, apiKey);
  } catch (error) {
    const failure: WorkerFailure = {
      medrubricServeFailure: error instanceof MedrubricError ? error.message : `internal error: ${describeError(error)}`,
      code: exitCodeOf(error),
    };
    await new Promise((sent) => process.send?.(failure, sent));
    process.exit(failure.code);
  }
  // A worker's IPC channel to the primary would keep it alive.
  cluster.worker?.disconnect();
}

/** The scoring thread's loader (see server/scoring-thread.ts): the model and what /v1/model says of it. */
export async function loadServedModel(flags: ModelFlags): Promise<ServedModel> {
  const { model, config, encoder } = await loadModelFromFlags(flags);
  const info = {
    dimensions: model.dimensions,
    standards_hash: config.standards_hash,
    encoder: encoder.id,
    scenarios: Object.keys(config.scenario_weights),
  };
  return { model, info };
}

/**
 * Forks the workers and passes a stop signal on to them. A worker that fails (its port in use, its
 * model thread dead) stops the others, and the primary exits with that worker's code, saying why
 * once: a supervisor then sees the failure instead of exit 0, and restarts the server whole.
 */
function runPrimary(workers: number): Promise<void> {
  return new Promise(() => {
    let alive = workers;
    let failure: WorkerFailure | undefined;
    let stopping = false;
    const stop = () => {
      stopping = true;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.kill("SIGTERM");
    };
    for (let i = 0; i < workers; i++)
      cluster.fork().on("message", (message: unknown) => {
        if (isWorkerFailure(message)) failure ??= message;
      });
    cluster.on("exit", (worker, code, signal) => {
      if (code !== 0 && !failure) {
        const how = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
        failure = { medrubricServeFailure: `worker ${worker.process.pid} ${how}`, code: code || EXIT_CODES.internal };
      }
      if (failure && !stopping) stop();
      if (--alive > 0) return;
      if (failure) process.stderr.write(`medrubric: ${failure.medrubricServeFailure}\n`);
      // Every worker is gone and nothing else runs here: the exit code is the whole answer.
      process.exit(failure?.code ?? 0);
    });
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
}
