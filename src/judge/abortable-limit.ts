/**
 * A concurrency limit whose waiters can give up: a waiter whose signal aborts leaves the queue at
 * once, rejected with the signal's reason, and never takes a slot. (p-limit would still run each
 * abandoned job in turn, tens of thousands of them in one turn of the event loop after a large
 * request's deadline.)
 */

export interface AbortableLimit {
  run<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

export function abortableLimit(concurrency: number): AbortableLimit {
  let active = 0;
  // A Set keeps insertion order (first in, first out) and removes an aborted waiter in O(1).
  const waiting = new Set<() => void>();
  const release = () => {
    const first = waiting.values().next();
    if (first.done) active--;
    else {
      // The slot passes straight to the next waiter.
      waiting.delete(first.value);
      first.value();
    }
  };
  const turn = (signal: AbortSignal | undefined) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        waiting.delete(start);
        reject(signal?.reason);
      };
      const start = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      waiting.add(start);
    });
  return {
    async run(job, signal) {
      if (active < concurrency) active++;
      else await turn(signal);
      try {
        return await job();
      } finally {
        release();
      }
    },
  };
}
