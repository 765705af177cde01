/** What every benchmark prints (the machine, then a Markdown table for BENCHMARKS.md), and reads (its numeric flags). */
import { cpus } from "node:os";
import { median } from "simple-statistics";

export { median };

/** A benchmark's numeric flag (`--runs 5`), or the fallback when absent or not a positive number. */
export const numberFlag = (name: string, fallback: number) => Number(process.argv[process.argv.indexOf(name) + 1]) || fallback;

export function printReport(runs: number, header: readonly string[], rows: readonly string[]): void {
  console.log(
    `Machine: ${cpus()[0]?.model ?? "unknown CPU"} x${cpus().length}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; median of ${runs} runs`,
  );
  console.log("");
  console.log(`| ${header.join(" | ")} |`);
  console.log(`|${header.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`);
  for (const row of rows) console.log(row);
}
