/**
 * What a user waits for (issue 24): `medrubric train --graded` on the shared graded file
 * (../shared/data/healthbench/graded_hard_responses.jsonl), the built command run whole in a
 * child process, timed by phase from its own progress lines: start-up and reading (until the
 * first `embedding:` line), embedding the texts missing from the store's cache (until
 * `embedding: 100%`), and training with saving (until it exits). Also the thread count, the texts
 * embedded, the peak resident memory (GNU time) and the load average before and after, since
 * other jobs on the machine slow every phase. One run: from a cold store it takes tens of minutes.
 *
 *   npm run build && node --import tsx bench/train-e2e.ts --store FILE [--threads N] [--graded FILE] [--out DIR] [--epochs N]
 *
 * The store is kept (it then holds every embedding); a store that already holds them gives the
 * warm figure, with an embedding phase of 0.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { sharedHealthBenchFile } from "../test/shared-data.js";
import { printReport } from "./markdown-report.js";

const flag = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const store = flag("--store");
if (!store) throw new Error("name the store: --store FILE (kept afterwards, with every embedding in it)");
const graded = flag("--graded") ?? sharedHealthBenchFile("graded_hard_responses.jsonl");
const threads = Number(flag("--threads") ?? availableParallelism());
const epochs = flag("--epochs");
const cli = new URL("../dist/cli/main.js", import.meta.url).pathname;
if (!existsSync(cli)) throw new Error("build first: npm run build");
const out = flag("--out") ?? join(await mkdtemp(join(tmpdir(), "medrubric-e2e-")), "model");
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(", ");

const args = [
  "train",
  "--graded",
  graded,
  "--out",
  out,
  "--store",
  store,
  "--threads",
  String(threads),
  ...(epochs ? ["--epochs", epochs] : []),
];
const loadBefore = load();
const started = performance.now();
// GNU time's last stderr line is the peak resident set in KiB.
const child = spawn("/usr/bin/time", ["-f", "peak-rss-kib %M", process.execPath, cli, ...args], { stdio: ["ignore", "inherit", "pipe"] });
let firstEmbedding: number | undefined;
let embedded: number | undefined;
let embeddingDone: number | undefined;
let peakKib: number | undefined;
for await (const line of createInterface({ input: child.stderr })) {
  const at = (performance.now() - started) / 1000;
  process.stderr.write(`[${at.toFixed(0)} s] ${line}\n`);
  if (line.startsWith("embedding:")) firstEmbedding ??= at;
  const done = /^embedding: 100% (\d+)\/\1/.exec(line);
  if (done) [embeddingDone, embedded] = [at, Number(done[1])];
  const rss = /^peak-rss-kib (\d+)/.exec(line);
  if (rss) peakKib = Number(rss[1]);
}
const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
const total = (performance.now() - started) / 1000;
if (code !== 0) throw new Error(`train exited with code ${code}`);

const minutes = (s: number) => `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
const start = firstEmbedding ?? embeddingDone ?? 0;
const embedding = embeddingDone === undefined ? 0 : embeddingDone - start;
const rows = [
  `| start-up, reading and validating the file | ${minutes(start)} |`,
  `| embedding ${embedded ?? 0} texts missing from the cache, --threads ${threads} | ${minutes(embedding)}${embedded ? ` (${(embedded / embedding).toFixed(1)} texts/s)` : ""} |`,
  `| building the training set, training, saving | ${minutes(total - start - embedding)} |`,
  `| **end to end** | **${minutes(total)}** |`,
];
printReport(1, ["phase", "wall time"], rows);
console.log("");
console.log(`Command: medrubric ${args.join(" ")}`);
console.log(`Peak resident memory: ${peakKib ? `${(peakKib / 1024).toFixed(0)} MiB` : "unknown"}`);
console.log(`Load average (1, 5, 15 min): ${loadBefore} before, ${load()} after`);
if (!flag("--out")) await rm(join(out, ".."), { recursive: true, force: true });
