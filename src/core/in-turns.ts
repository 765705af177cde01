/**
 * Work on many items split across turns of the event loop: `size` items per turn, then the loop
 * serves other requests, timers and sockets before the next chunk, so no single large request
 * holds it for more than a few milliseconds.
 */

/** Items taken per turn of the event loop by default. */
export const TURN_SIZE = 64;

export async function inTurns<T>(items: readonly T[], run: (chunk: readonly T[]) => unknown, size = TURN_SIZE): Promise<void> {
  for (let start = 0; start < items.length; start += size) {
    if (start > 0) await new Promise((resolve) => setImmediate(resolve));
    await run(items.slice(start, start + size));
  }
}
