/**
 * A concurrency limit whose waiters can give up: a waiter that leaves is out of the queue at once,
 * rejected, and never takes a slot. (p-limit would still run each abandoned job in turn, tens of
 * thousands of them in one turn of the event loop after a large request's deadline.) A waiter
 * leaves through its `WaitHandle`, a plain object, not an AbortSignal listener: adding those to
 * thousands of signals at once held the event loop for tens of ms.
 */

/** Set by the limit while its job waits: `leave()` gives up the wait. */
export interface WaitHandle {
  leave?: () => void;
}

export interface AbortableLimit {
  run<T>(job: () => Promise<T>, handle?: WaitHandle): Promise<T>;
}

/** The rejection of a waiter that left. */
export class LeftQueueError extends Error {
  constructor() {
    super("left the queue before its turn");
  }
}

export function abortableLimit(concurrency: number): AbortableLimit {
  let active = 0;
  // A Set keeps insertion order (first in, first out) and removes a waiter that left in O(1).
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
  const turn = (handle: WaitHandle | undefined) =>
    new Promise<void>((resolve, reject) => {
      const start = () => {
        if (handle) handle.leave = undefined;
        resolve();
      };
      waiting.add(start);
      if (handle)
        handle.leave = () => {
          handle.leave = undefined;
          waiting.delete(start);
          reject(new LeftQueueError());
        };
    });
  return {
    async run(job, handle) {
      if (active < concurrency) active++;
      else await turn(handle);
      try {
        return await job();
      } finally {
        release();
      }
    },
  };
}
