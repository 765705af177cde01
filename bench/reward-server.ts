/**
 * A reward server for load tests, in its own process(es): a GPRC model briefly trained on the
 * seed set (served-models.ts; the same in every worker, training being seeded) in a scoring
 * thread behind the real app and HTTP server, as `medrubric serve` runs it. Prints the base URL,
 * then serves until killed.
 *
 *   node --import tsx bench/reward-server.ts [maxBatch] [workers] [hash|use-lite|glove|constant]
 */
import cluster from "node:cluster";
import { createRewardApp } from "../src/server/reward-app.js";
import { startScoringThread } from "../src/server/scoring-thread.js";
import { listen } from "../src/server/serve-rewards.js";
import { DEFAULT_MAX_BATCH_CHARS, DEFAULT_REQUEST_TIMEOUT_MS } from "../src/server/server-limits.js";
import { createServerMetrics } from "../src/server/server-metrics.js";
import { SERVED_MODELS, servedModelName } from "./served-models.js";

const maxBatch = Number(process.argv[2] ?? 64);
const workers = Number(process.argv[3] ?? 1);
const served = SERVED_MODELS[servedModelName(process.argv[4] ?? "hash")];

if (workers > 1 && cluster.isPrimary) {
  // Workers listening on port 0 share one port, which the primary prints once all are up.
  let listening = 0;
  for (let i = 0; i < workers; i++) {
    cluster.fork().on("message", (url: string) => {
      if (++listening === workers) process.stdout.write(`${url}\n`);
    });
  }
  process.on("SIGTERM", () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
    process.exit(0);
  });
} else {
  const metrics = createServerMetrics();
  const { scorer, info } = await startScoringThread(served.loader, served.args, {
    maxBatch,
    maxWaitMs: 0,
    maxQueue: 100_000,
    // serve's defaults, so the figures include what every request costs there (its deadline timer).
    maxBatchCost: DEFAULT_MAX_BATCH_CHARS,
    deadlineMs: DEFAULT_REQUEST_TIMEOUT_MS,
    onBatch: (size) => metrics.batchSize.observe(size),
  });
  const app = createRewardApp({ scorer, info, metrics, maxBodyBytes: 1 << 20 });
  const server = await listen(app, "127.0.0.1", 0);
  if (cluster.isWorker) process.send?.(server.url);
  else process.stdout.write(`${server.url}\n`);
}
