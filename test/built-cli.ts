/**
 * The command line the tests run: the compiled `dist/cli/main.js`, what a user runs after
 * `npm ci`. Starting it takes a third of the time tsx takes to compile the sources on every
 * start (1.0-1.4 s against 2.6-4.3 s a process on a loaded 2-core machine), and the suite starts
 * a few hundred. The global setup rebuilds dist (incrementally) when a source file is newer than
 * the last build, so a test never runs stale code.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { projectRoot } from "./shared-data.js";

export const builtCli = join(projectRoot, "dist/cli/main.js");
/** Written by every `tsc -p tsconfig.build.json` (incremental): the build's time. */
const buildInfo = join(projectRoot, "dist/.tsbuildinfo");

const mtime = (file: string): number => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
};

/** The newest modification time of the sources dist is built from (src without tests, and its config). */
function newestSource(dir = join(projectRoot, "src")): number {
  let newest = Math.max(mtime(join(projectRoot, "tsconfig.build.json")), mtime(join(projectRoot, "tsconfig.json")));
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) newest = Math.max(newest, mtime(path));
  }
  return newest;
}

/** Builds dist when it is missing or older than a source; says so in one line. Throws with tsc's output when the build fails. */
export function ensureBuiltCli(): void {
  if (mtime(buildInfo) >= newestSource() && mtime(builtCli) > 0) return;
  process.stdout.write("\nglobal setup: src is newer than dist; building it (npm run build)\n");
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const build = spawnSync(process.execPath, [tsc, "-p", join(projectRoot, "tsconfig.build.json")], { encoding: "utf8" });
  if (build.status !== 0) throw new Error(`npm run build failed, so the CLI tests cannot run:\n${build.stdout}${build.stderr}`);
}
