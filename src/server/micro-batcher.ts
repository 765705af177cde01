/**
 * Micro-batching across concurrent requests: items wait until `maxBatch` of them are queued or
 * the oldest has waited `maxWait` ms, then run as one batch (one batch at a time: scoring is
 * CPU-bound). While a batch runs, new items gather for the next one, so under load batches fill
 * by themselves; `maxWait` 0 runs an idle model as soon as the requests already received are in.
 * The queue is bounded: a submission that would overflow it is refused at once, so overload
 * turns into quick 429s instead of growing latency and memory.
 */

export class QueueFullError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super("the reward queue is full; retry later");
  }
}

export interface BatchingOptions {
  maxBatch: number;
  maxWaitMs: number;
  /** Items waiting (not yet running) at most; the scoring thread counts those being scored too. */
  maxQueue: number;
  onBatch?(size: number): void;
}

export interface MicroBatcherOptions<I, O> extends BatchingOptions {
  run(items: I[]): Promise<O[]>;
}

/** The refusal of a submission that would overflow a queue of `queued` items, with a guess at when to retry. */
export const queueFull = (options: BatchingOptions, queued: number) =>
  new QueueFullError(Math.max(1, Math.ceil((options.maxWaitMs * (queued / options.maxBatch + 1)) / 1000)));

interface Waiting<I, O> {
  item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

export interface MicroBatcher<I, O> {
  submit(items: readonly I[]): Promise<O[]>;
  /** Items waiting to run. */
  depth(): number;
  /** The most items the queue holds (`maxQueue`); a larger submission can never be admitted. */
  capacity(): number;
  /** Resolves once nothing waits or runs. */
  drain(): Promise<void>;
}

export function createMicroBatcher<I, O>(options: MicroBatcherOptions<I, O>): MicroBatcher<I, O> {
  const queue: Waiting<I, O>[] = [];
  // The pending start of the next batch: right after the I/O of this event-loop turn, or after maxWait.
  let pending: { soon: boolean; cancel(): void } | undefined;
  let running: Promise<void> | undefined;

  const start = () => {
    pending = undefined;
    if (!running) running = runBatch();
  };
  const startAfter = (soon: boolean) => {
    pending?.cancel();
    if (soon) {
      const immediate = setImmediate(start);
      pending = { soon, cancel: () => clearImmediate(immediate) };
    } else {
      const timeout = setTimeout(start, options.maxWaitMs);
      pending = { soon, cancel: () => clearTimeout(timeout) };
    }
  };
  const schedule = () => {
    if (running || queue.length === 0 || pending?.soon) return;
    // Even a full batch waits for this turn's I/O (setImmediate, not a 1 ms timeout): back-to-back
    // batches would otherwise run as one chain of promise callbacks, and no request would be read
    // or answered until the queue ran dry.
    if (queue.length >= options.maxBatch || options.maxWaitMs === 0) startAfter(true);
    else if (!pending) startAfter(false);
  };

  const runBatch = async () => {
    const batch = queue.splice(0, options.maxBatch);
    options.onBatch?.(batch.length);
    try {
      const results = await options.run(batch.map((w) => w.item));
      batch.forEach((w, i) => {
        w.resolve(results[i] as O);
      });
    } catch (error) {
      for (const w of batch) w.reject(error);
    } finally {
      running = undefined;
      schedule();
    }
  };

  return {
    submit(items) {
      if (queue.length + items.length > options.maxQueue) return Promise.reject(queueFull(options, queue.length));
      const promises = items.map((item) => new Promise<O>((resolve, reject) => queue.push({ item, resolve, reject })));
      schedule();
      return Promise.all(promises);
    },
    depth: () => queue.length,
    capacity: () => options.maxQueue,
    async drain() {
      while (running || queue.length > 0) await (running ?? new Promise((resolve) => setTimeout(resolve, options.maxWaitMs)));
    },
  };
}
