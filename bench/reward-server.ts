/**
 * A reward server for load tests, in its own process(es): a GPRC model (briefly trained on the
 * seed set over hash vectors, so the encoder costs nothing; the same in every worker, training
 * being seeded) in a scoring thread behind the real app and HTTP server, as `medrubric serve`
 * runs it. Prints the base URL, then serves until killed.
 *
 *   node --import tsx bench/reward-server.ts [maxBatch] [workers]
 */
import cluster from "node:cluster";
import { createRewardApp } from "../src/server/reward-app.js";
import { startScoringThread } from "../src/server/scoring-thread.js";
import { listen } from "../src/server/serve-rewards.js";
import { createServerMetrics } from "../src/server/server-metrics.js";

const maxBatch = Number(process.argv[2] ?? 64);
const workers = Number(process.argv[3] ?? 1);

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
  const { scorer, info } = await startScoringThread(
    new URL("../test/hash-model.ts", import.meta.url),
    { dim: 512, epochs: 1 },
    { maxBatch, maxWaitMs: 0, maxQueue: 100_000, onBatch: (size) => metrics.batchSize.observe(size) },
  );
  const app = createRewardApp({ scorer, info, metrics, maxBodyBytes: 1 << 20 });
  const server = await listen(app, "127.0.0.1", 0);
  if (cluster.isWorker) process.send?.(server.url);
  else process.stdout.write(`${server.url}\n`);
}
