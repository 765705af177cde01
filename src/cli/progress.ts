/**
 * Progress for long work, on stderr: a bar with rate and ETA on a terminal (cli-progress),
 * plain lines every few seconds otherwise (logs, CI), so output stays readable in both. Work
 * that ends before its total (training stopped early) finishes at 100% with the reason.
 */
import { SingleBar } from "cli-progress";

export interface Progress {
  update(value: number): void;
  /** Ends the display where it is (work interrupted or failed). */
  stop(): void;
  /** The work is done: 100% at the last value (the total shrinks to it when the work ended early), then the note. */
  finish(note?: string): void;
}

/** Below this much elapsed time a rate is noise (one item in a millisecond reads 1000/s), so none is shown. */
const MIN_RATE_SECONDS = 1;

/** Items (or bytes) per second since `begun`, or undefined while too little time has passed to tell. */
function rateSince(begun: number, done: number): number | undefined {
  const seconds = (Date.now() - begun) / 1000;
  return seconds < MIN_RATE_SECONDS ? undefined : done / seconds;
}

export interface ProgressOptions {
  label: string;
  total: number;
  unit?: "items" | "bytes";
  /** Starting value, e.g. the bytes of a resumed download. */
  start?: number;
  stream?: NodeJS.WriteStream;
  /** Minimum time between plain lines. */
  intervalMs?: number;
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const format = options.unit === "bytes" ? formatBytes : (n: number) => String(Math.round(n));
  return stream.isTTY ? terminalBar(options, stream, format) : plainLines(options, stream, format);
}

function terminalBar(options: ProgressOptions, stream: NodeJS.WriteStream, format: (n: number) => string): Progress {
  const begun = Date.now();
  const start = options.start ?? 0;
  const bar = new SingleBar({
    stream,
    format: `${options.label} [{bar}] {percentage}% {done}/{all} {rate}{note}`,
    hideCursor: true,
    etaBuffer: 50,
  });
  let value = start;
  const rate = () => {
    const r = rateSince(begun, value - start);
    return r === undefined ? "" : `${format(r)}/s ETA ${bar.getTotal() > value ? Math.ceil((bar.getTotal() - value) / r) : 0}s`;
  };
  bar.start(options.total, start, { done: format(start), all: format(options.total), rate: "", note: "" });
  return {
    update(next) {
      value = next;
      bar.update(value, { done: format(value), rate: rate() });
    },
    stop: () => bar.stop(),
    finish(note) {
      bar.setTotal(value);
      bar.update(value, { done: format(value), all: format(value), rate: rate(), note: note ? ` (${note})` : "" });
      bar.stop();
    },
  };
}

function plainLines(options: ProgressOptions, stream: NodeJS.WriteStream, format: (n: number) => string): Progress {
  const begun = Date.now();
  const start = options.start ?? 0;
  const interval = options.intervalMs ?? 5000;
  let lastLine = 0;
  let value = start;
  let total = options.total;
  const line = (note = "") => {
    const r = rateSince(begun, value - start);
    const rate = r === undefined ? "" : ` ${format(r)}/s${r > 0 && total > value ? ` ETA ${Math.ceil((total - value) / r)}s` : ""}`;
    const percent = total > 0 ? Math.floor((100 * value) / total) : 100;
    stream.write(`${options.label}: ${percent}% ${format(value)}/${format(total)}${rate}${note ? ` (${note})` : ""}\n`);
    lastLine = Date.now();
  };
  return {
    update(next) {
      value = next;
      if (Date.now() - lastLine >= interval) line();
    },
    stop: () => line(),
    finish(note) {
      total = value;
      line(note);
    },
  };
}

export function formatBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
