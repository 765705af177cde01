/**
 * How long the server's event loop was held, as Prometheus gauges: the 50th and 99th percentiles
 * and the maximum of the loop's delay (perf_hooks.monitorEventLoopDelay), over the time since the
 * previous scrape of /metrics (prom-client's convention for its nodejs_eventloop_lag_* gauges).
 * A held loop delays every request, /healthz included, so this is what "no request blocks the
 * server" is checked against. The loop is sampled every 2 ms, so a delay may read up to 2 ms short.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Gauge, type Registry } from "prom-client";

export const EVENT_LOOP_SAMPLE_MS = 2;

/** Starts watching the loop; `stop()` ends the watch (the gauges then stay at their last values). */
export function watchEventLoopDelay(registry: Registry): { stop(): void } {
  const histogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_SAMPLE_MS });
  histogram.enable();
  new Gauge({
    name: "medrubric_event_loop_delay_seconds",
    help: `How long the event loop was held beyond its ${EVENT_LOOP_SAMPLE_MS} ms sampling, since the previous scrape: quantile 0.5, 0.99 and 1 (the maximum)`,
    labelNames: ["quantile"],
    registers: [registry],
    collect() {
      // No sample yet (a scrape right after the previous one): nothing held the loop.
      const seconds = (ns: number) => (histogram.count === 0 ? 0 : ns / 1e9);
      this.set({ quantile: "0.5" }, seconds(histogram.percentile(50)));
      this.set({ quantile: "0.99" }, seconds(histogram.percentile(99)));
      this.set({ quantile: "1" }, seconds(histogram.max));
      histogram.reset();
    },
  });
  return { stop: () => histogram.disable() };
}
