/**
 * `medrubric serve`: the reward server for RL trainers (OpenRLHF, verl, TRL). Binds 127.0.0.1
 * unless told otherwise; `--workers N` runs N processes sharing the port (node:cluster), each
 * with the model loaded in its own scoring thread; SIGTERM finishes the requests in flight first.
 */
import cluster from "node:cluster";
import type { Command } from "commander";
import { ConfigError, EXIT_CODES } from "../core/errors.js";
import type { ServedModel } from "../server/scoring-thread.js";
import { parseNonNegativeInteger } from "./options.js";
import { addModelOptions, loadModelFromFlags, type ModelFlags } from "./rm-options.js";

interface ServeFlags extends ModelFlags {
  host: string;
  port: number;
  apiKeyEnv?: string;
  workers: number;
  maxBatch: number;
  maxWaitMs: number;
  maxQueue: number;
  maxBodyBytes: number;
}

export function registerServe(program: Command): void {
  const command = program
    .command("serve")
    .description("serve a trained reward model over HTTP (OpenRLHF /get_reward, /v1/score, /v1/rerank, /metrics)")
    .option("--host <host>", "address to bind (0.0.0.0 exposes it to the network)", "127.0.0.1")
    .option("--port <n>", "port (0: any free one)", parseNonNegativeInteger, 8000)
    .option("--api-key-env <name>", "require `Authorization: Bearer $NAME` on every route but /healthz")
    .option("--workers <n>", "processes sharing the port", parseNonNegativeInteger, 1)
    .option("--max-batch <n>", "answers scored per model batch at most", parseNonNegativeInteger, 64)
    .option(
      "--max-wait-ms <n>",
      "how long an idle model waits for a batch to fill (0: not at all; under load batches fill while the previous one runs)",
      parseNonNegativeInteger,
      0,
    )
    .option(
      "--max-queue <n>",
      "answers waiting or being scored at most; beyond it requests get 429 (413 for a request larger than this)",
      parseNonNegativeInteger,
      4096,
    )
    .option("--max-body-bytes <n>", "largest request body; beyond it 413", parseNonNegativeInteger, 4 * 1024 * 1024);
  addModelOptions(command).action(async (flags: ServeFlags) => {
    const apiKey = flags.apiKeyEnv === undefined ? undefined : process.env[flags.apiKeyEnv];
    if (flags.apiKeyEnv !== undefined && !apiKey)
      throw new ConfigError(`--api-key-env ${flags.apiKeyEnv}: the environment variable ${flags.apiKeyEnv} is empty or unset`);
    if (flags.workers > 1 && cluster.isPrimary) return runPrimary(flags.workers);
    const [{ createRewardApp }, { closeOnSignals, listen }, { createServerMetrics }, { startScoringThread }] = await Promise.all([
      import("../server/reward-app.js"),
      import("../server/serve-rewards.js"),
      import("../server/server-metrics.js"),
      import("../server/scoring-thread.js"),
    ]);
    const metrics = createServerMetrics();
    const scoring = await startScoringThread(new URL(import.meta.url), flags, {
      maxBatch: flags.maxBatch,
      maxWaitMs: flags.maxWaitMs,
      maxQueue: flags.maxQueue,
      onBatch: (size) => metrics.batchSize.observe(size),
    });
    const app = createRewardApp({ scorer: scoring.scorer, info: scoring.info, metrics, apiKey, maxBodyBytes: flags.maxBodyBytes });
    const server = await listen(app, flags.host, flags.port);
    process.stdout.write(`medrubric serve: listening on ${server.url} (pid ${process.pid})\n`);
    void scoring.failed.then(async (error) => {
      // Without its model the server could only answer 500s; exiting lets a supervisor restart it.
      process.stderr.write(`medrubric serve: ${error.message}\n`);
      await server.close();
      process.exit(EXIT_CODES.internal);
    });
    await new Promise<void>((resolve) => closeOnSignals(server, () => void scoring.scorer.drain().then(resolve)));
    await scoring.close();
    // A worker's IPC channel to the primary would keep it alive.
    cluster.worker?.disconnect();
  });
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

/** Forks the workers and passes a stop signal on to them; resolves when all have exited. */
function runPrimary(workers: number): Promise<void> {
  return new Promise((resolve) => {
    let alive = workers;
    for (let i = 0; i < workers; i++) cluster.fork();
    cluster.on("exit", (worker, code) => {
      if (code !== 0) process.stderr.write(`medrubric serve: worker ${worker.process.pid} exited with code ${code}\n`);
      if (--alive === 0) resolve();
    });
    const stop = () => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.kill("SIGTERM");
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
}
