/**
 * A log that writes at most one line per interval: a judge failing on every call would otherwise
 * flood stderr with thousands of identical lines a second. The lines left out are counted and
 * the count is said on the next line written.
 */

export interface RateLimitedLog {
  line(text: string): void;
}

export function createRateLimitedLog(write: (line: string) => void, options: { intervalMs: number; now?: () => number }): RateLimitedLog {
  const now = options.now ?? (() => performance.now());
  let lastAt = Number.NEGATIVE_INFINITY;
  let skipped = 0;
  return {
    line(text) {
      const at = now();
      if (at - lastAt < options.intervalMs) {
        skipped++;
        return;
      }
      lastAt = at;
      const more = skipped > 0 ? ` (${skipped} more since the last line)` : "";
      skipped = 0;
      write(`${text.replace(/\s+/g, " ")}${more}\n`);
    },
  };
}
