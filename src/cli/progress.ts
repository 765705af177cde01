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

/**
 * The rate since `begun` and the ETA, or "" while too little time has passed to tell. Under one
 * item a second (training epochs) the time each takes reads better than a rounded "0/s".
 */
function rateText(begun: number, done: number, left: number, format: (n: number) => string, unit: ProgressOptions["unit"]): string {
  const seconds = (Date.now() - begun) / 1000;
  if (seconds < MIN_RATE_SECONDS) return "";
  const r = done / seconds;
  const rate = unit !== "bytes" && r > 0 && r < 1 ? `${(1 / r).toFixed(1)} s each` : `${format(r)}/s`;
  return r > 0 && left > 0 ? `${rate} ETA ${Math.ceil(left / r)}s` : rate;
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
  const rate = () => rateText(begun, value - start, bar.getTotal() - value, format, options.unit);
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
    const rate = rateText(begun, value - start, total - value, format, options.unit);
    const percent = total > 0 ? Math.floor((100 * value) / total) : 100;
    stream.write(`${options.label}: ${percent}% ${format(value)}/${format(total)}${rate ? ` ${rate}` : ""}${note ? ` (${note})` : ""}\n`);
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
