/**
 * Micro-batching across concurrent requests: items wait until `maxBatch` of them are queued or
 * the oldest has waited `maxWait` ms, then run as one batch (one batch at a time: scoring is
 * CPU-bound). While a batch runs, new items gather for the next one, so under load batches fill
 * by themselves; `maxWait` 0 runs an idle model as soon as the requests already received are in.
 *
 * No request can hold the model for long, or for the others: a batch takes its items round-robin
 * from the waiting submissions (a small request is in the next batch, not behind every answer of
 * a large one) and stops at `maxBatchCost` (the characters to embed, in the server), so one batch
 * takes a bounded time; a submission not done within `deadlineMs` is refused and its waiting items
 * dropped, so an abandoned request costs no more work.
 *
 * The queue is bounded: a submission that would overflow it is refused at once, so overload
 * turns into quick 429s instead of growing latency and memory.
 */

export class QueueFullError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super("the reward queue is full; retry later");
  }
}

/** A submission not done within its deadline; what of it had not started was dropped. */
export class DeadlineError extends Error {
  constructor(readonly deadlineMs: number) {
    super(`not scored within --request-timeout-ms ${deadlineMs}; the server is overloaded or the request too large`);
  }
}

export interface BatchingOptions {
  maxBatch: number;
  maxWaitMs: number;
  /** Items waiting (not yet running) at most; the scoring thread counts those being scored too. */
  maxQueue: number;
  /** The most cost (see `cost`) one batch takes on, unless a single item costs more. Default: no limit. */
  maxBatchCost?: number;
  /** How long a submission may wait and run before it is refused. Default: no deadline. */
  deadlineMs?: number;
  onBatch?(size: number): void;
}

export interface MicroBatcherOptions<I, O> extends BatchingOptions {
  run(items: I[]): Promise<O[]>;
  /** An item's share of `maxBatchCost`. Default: 0. */
  cost?(item: I): number;
}

/** The refusal of a submission that would overflow a queue of `queued` items, with a guess at when to retry. */
export const queueFull = (options: BatchingOptions, queued: number) =>
  new QueueFullError(Math.max(1, Math.ceil((options.maxWaitMs * (queued / options.maxBatch + 1)) / 1000)));

interface Waiting<I, O> {
  item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

/** One submission's items not yet in a batch. */
interface Group<I, O> {
  items: Waiting<I, O>[];
  next: number;
}

export interface SubmitOptions {
  /** Names the submission for `cancel`. */
  key?: number;
  /** Settles if nobody waits for the answer any more (the client hung up): what has not started is dropped. */
  abandoned?: Promise<unknown>;
}

export interface MicroBatcher<I, O> {
  submit(items: readonly I[], options?: SubmitOptions): Promise<O[]>;
  /** Drops the waiting items of submission `key` (a running batch finishes) and returns them. */
  cancel(key: number): I[];
  /** Items waiting to run. */
  depth(): number;
  /** How long the model has been on its current batch without finishing it, in ms; 0 when idle. */
  busyMs(): number;
  /** The most items the queue holds, and the deadline of a submission. */
  limits: { maxQueue: number; deadlineMs: number };
  /** Resolves once nothing waits or runs. */
  drain(): Promise<void>;
}

/** `promise`, or a DeadlineError once `ms` have passed (after `onExpire`, which drops the work). */
export function withDeadline<T>(promise: Promise<T>, ms: number, onExpire: () => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      onExpire();
      reject(new DeadlineError(ms));
    }, ms);
    // A request cut at shutdown may never settle; its deadline must not keep the process alive.
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** What the reward app scores through: a batcher, in process or in the scoring thread, without `cancel` and keys. */
export type Scorer<I, O> = Omit<MicroBatcher<I, O>, "cancel" | "submit"> & {
  submit(items: readonly I[], options?: Pick<SubmitOptions, "abandoned">): Promise<O[]>;
};

/** What a dropped submission is rejected with when its client hung up (see ClientGoneError in the app). */
export class AbandonedError extends Error {
  constructor() {
    super("the client closed the connection");
  }
}

/** Takes up to `maxBatch` items, one per submission in turn, until the cost budget is spent. */
function takeBatch<I, O>(groups: Group<I, O>[], maxBatch: number, maxCost: number, cost: (item: I) => number): Waiting<I, O>[] {
  const batch: Waiting<I, O>[] = [];
  let spent = 0;
  while (batch.length < maxBatch && groups.length > 0) {
    const group = groups[0] as Group<I, O>;
    const waiting = group.items[group.next] as Waiting<I, O>;
    const price = cost(waiting.item);
    if (batch.length > 0 && spent + price > maxCost) break;
    batch.push(waiting);
    spent += price;
    groups.shift();
    // Back in line behind the others, so the next item comes from the next submission.
    if (++group.next < group.items.length) groups.push(group);
  }
  return batch;
}

export function createMicroBatcher<I, O>(options: MicroBatcherOptions<I, O>): MicroBatcher<I, O> {
  const groups: Group<I, O>[] = [];
  const byKey = new Map<number, Group<I, O>>();
  const cost = options.cost ?? (() => 0);
  const maxCost = options.maxBatchCost ?? Number.POSITIVE_INFINITY;
  const deadlineMs = options.deadlineMs ?? Number.POSITIVE_INFINITY;
  let queued = 0;
  // The pending start of the next batch: right after the I/O of this event-loop turn, or after maxWait.
  let pending: { soon: boolean; cancel(): void } | undefined;
  let running: Promise<void> | undefined;
  let runningSince = 0;

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
    if (running || queued === 0 || pending?.soon) return;
    // Even a full batch waits for this turn's I/O (setImmediate, not a 1 ms timeout): back-to-back
    // batches would otherwise run as one chain of promise callbacks, and no request would be read
    // or answered until the queue ran dry.
    if (queued >= options.maxBatch || options.maxWaitMs === 0) startAfter(true);
    else if (!pending) startAfter(false);
  };

  const runBatch = async () => {
    const batch = takeBatch(groups, options.maxBatch, maxCost, cost);
    queued -= batch.length;
    runningSince = performance.now();
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

  /** Takes a submission's waiting items out of the queue, rejecting them with `reason`. */
  const remove = (group: Group<I, O>, reason: Error): Waiting<I, O>[] => {
    const index = groups.indexOf(group);
    if (index < 0) return [];
    groups.splice(index, 1);
    const dropped = group.items.slice(group.next);
    queued -= dropped.length;
    for (const w of dropped) w.reject(reason);
    return dropped;
  };

  return {
    submit(items, { key, abandoned } = {}) {
      if (queued + items.length > options.maxQueue) return Promise.reject(queueFull(options, queued));
      if (items.length === 0) return Promise.resolve([]);
      const group: Group<I, O> = { items: [], next: 0 };
      const promises = items.map((item) => new Promise<O>((resolve, reject) => group.items.push({ item, resolve, reject })));
      groups.push(group);
      queued += items.length;
      if (key !== undefined) byKey.set(key, group);
      void abandoned?.then(() => remove(group, new AbandonedError()));
      schedule();
      const all = Promise.all(promises);
      const forget = () => key !== undefined && byKey.delete(key);
      if (!Number.isFinite(deadlineMs)) return key === undefined ? all : all.finally(forget);
      return withDeadline(all, deadlineMs, () => remove(group, new DeadlineError(deadlineMs))).finally(forget);
    },
    cancel(key) {
      const group = byKey.get(key);
      byKey.delete(key);
      return group ? remove(group, new AbandonedError()).map((w) => w.item) : [];
    },
    depth: () => queued,
    busyMs: () => (running ? performance.now() - runningSince : 0),
    limits: { maxQueue: options.maxQueue, deadlineMs },
    async drain() {
      while (running || queued > 0) await (running ?? new Promise((resolve) => setTimeout(resolve, options.maxWaitMs)));
    },
  };
}
