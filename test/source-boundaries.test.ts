/**
 * What ships stays out of the test runner's reach: nothing under src/ but test files imports
 * vitest (contract suites live in test/), so dist/ never carries a suite or needs a dev dependency.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "./shared-data.js";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

describe("src/", () => {
  it("has no module besides tests that imports the test runner", () => {
    const offenders = sourceFiles(join(projectRoot, "src"))
      .filter((file) => /from\s+["']vitest(\/[^"']*)?["']/.test(readFileSync(file, "utf8")))
      .map((file) => relative(projectRoot, file));
    expect(offenders).toEqual([]);
  });
});
