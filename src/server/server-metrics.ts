/** Prometheus metrics of one server (its own registry, no global state). */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export function createServerMetrics() {
  const registry = new Registry();
  return {
    registry,
    requests: new Counter({
      name: "medrubric_requests_total",
      help: "HTTP requests by route and status",
      labelNames: ["route", "status"],
      registers: [registry],
    }),
    clientDisconnects: new Counter({
      name: "medrubric_client_disconnects_total",
      help: "Requests whose client closed the connection before the answer (not in medrubric_requests_total)",
      labelNames: ["route"],
      registers: [registry],
    }),
    latency: new Histogram({
      name: "medrubric_request_duration_seconds",
      help: "Request latency by route",
      labelNames: ["route"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: "medrubric_batch_size",
      help: "Answers scored per model batch",
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers: [registry],
    }),
    queueDepth: new Gauge({ name: "medrubric_queue_depth", help: "Answers waiting or being scored", registers: [registry] }),
  };
}
export type ServerMetrics = ReturnType<typeof createServerMetrics>;
