/**
 * A probe preloaded into the server by bench/judge-server.bench.ts (`node --import`): how long
 * the event loop was held by the server's own work, apart from the time it waited for a core.
 * Every millisecond a timer reads the main thread's CPU time (/proc schedstat); the CPU time
 * between two ticks is the work done between them, whether or not other processes delayed the
 * tick, so its largest values are the longest blocks of the server's own work. (Wall-clock loop
 * delay, which /metrics gives, adds every wait for a core on a loaded machine.)
 *
 * The first SIGUSR2 starts the ticks; the next writes what was seen to $MEDRUBRIC_LOOP_PROBE
 * (JSON: p50, p99 and max of the CPU ms between ticks, with the monotonic time of the largest in
 * us, to set against a CPU profile) and stops them, and so on: the server pays for the probe only
 * while it is watched.
 */
import { closeSync, openSync, readSync, writeFileSync } from "node:fs";

const out = process.env.MEDRUBRIC_LOOP_PROBE;
if (out) {
  const fd = openSync(`/proc/${process.pid}/task/${process.pid}/schedstat`, "r");
  const buffer = Buffer.alloc(128);
  const runNs = () => Number(buffer.toString("latin1", 0, readSync(fd, buffer, 0, 128, 0)).split(" ")[0]);
  let last = 0;
  let spans: number[] = [];
  let longest = { ms: 0, at: 0 };
  let tick: NodeJS.Timeout | undefined;
  let startedUs = 0;
  /** The longest spans, with when they ended (ms since the probe started). */
  let top: { ms: number; afterMs: number; atUs: number }[] = [];
  process.on("SIGUSR2", () => {
    if (!tick) {
      last = runNs();
      startedUs = Number(process.hrtime.bigint() / 1000n);
      tick = setInterval(() => {
        const now = runNs();
        const ms = (now - last) / 1e6;
        last = now;
        spans.push(ms);
        const atUs = Number(process.hrtime.bigint() / 1000n);
        if (ms > longest.ms) longest = { ms, at: atUs };
        if (ms > 3) top.push({ ms: Math.round(ms * 10) / 10, afterMs: Math.round((atUs - startedUs) / 1000), atUs });
      }, 1);
      return;
    }
    clearInterval(tick);
    tick = undefined;
    const sorted = spans.sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    writeFileSync(
      out,
      JSON.stringify({ ticks: sorted.length, p50: at(0.5), p99: at(0.99), max: longest.ms, maxAtUs: longest.at, over3ms: top }),
    );
    spans = [];
    longest = { ms: 0, at: 0 };
    top = [];
  });
  process.on("exit", () => closeSync(fd));
}
