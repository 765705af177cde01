/** The event-loop delay gauges: a loop held by synchronous work shows in the next scrape, and each scrape starts afresh. */
import { setTimeout as delay } from "node:timers/promises";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { watchEventLoopDelay } from "./event-loop-delay.js";

const watches: { stop(): void }[] = [];
afterEach(() => {
  for (const watch of watches.splice(0)) watch.stop();
});

async function quantiles(registry: Registry): Promise<Record<string, number>> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === "medrubric_event_loop_delay_seconds");
  return Object.fromEntries((metric?.values ?? []).map((v) => [String(v.labels.quantile), v.value]));
}

describe("watchEventLoopDelay", () => {
  it("reports the longest hold of the loop since the previous scrape, then starts afresh", async () => {
    const registry = new Registry();
    watches.push(watchEventLoopDelay(registry));
    await quantiles(registry);
    // The first interval after a scrape starts its measure; the hold comes after it.
    await delay(20);
    const until = performance.now() + 60;
    while (performance.now() < until) {
      // Holding the loop, as a request's synchronous work would.
    }
    await delay(20);
    const held = await quantiles(registry);
    expect(held["1"]).toBeGreaterThanOrEqual(0.05);
    expect(held["0.5"]).toBeLessThan(held["1"] as number);
    await delay(20);
    expect((await quantiles(registry))["1"]).toBeLessThan(0.05);
  });
});
