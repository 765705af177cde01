/**
 * The README's quick-start test line on a fresh machine: `npm test` finds or installs the Chromium
 * the report tests open (scripts/ensure-chromium.sh, its pretest step) and says which it did,
 * `.ci/run` runs exactly the README's line, and npm prints no warning a user must learn to ignore,
 * while onnxruntime-node's CUDA download stays switched off.
 */
import { readFileSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCommand } from "./run-command.js";
import { projectRoot } from "./shared-data.js";
import { tempDir } from "./temp-dir.js";

const script = join(projectRoot, "scripts/ensure-chromium.sh");

async function fakeProgram(file: string, body: string): Promise<string> {
  await writeFile(file, `#!/usr/bin/env bash\n${body}\n`);
  await chmod(file, 0o755);
  return file;
}

/** A folder with fake `apt-get` and `sudo` first on PATH; apt-get logs its arguments and "installs" chromium at `target`. */
async function fakeApt(dir: string, target: string): Promise<{ env: NodeJS.ProcessEnv; log: string }> {
  const bin = join(dir, "bin");
  await mkdir(bin);
  const log = join(dir, "apt.log");
  await fakeProgram(
    join(bin, "apt-get"),
    `echo "$@" >> ${log}\nif [ "$1" = install ]; then printf '#!/usr/bin/env bash\\necho "Chromium 999.0"\\n' > ${target}; chmod +x ${target}; fi`,
  );
  await fakeProgram(join(bin, "sudo"), 'exec "$@"');
  return { env: { PATH: `${bin}:${process.env.PATH}`, CHROMIUM: "", MEDRUBRIC_CHROMIUM_DEFAULT: target }, log };
}

describe("npm test's pretest: Chromium for the report tests", () => {
  it("uses the Chromium it finds and says so, installing nothing", async () => {
    const dir = await tempDir();
    const chromium = await fakeProgram(join(dir, "chromium"), 'echo "Chromium 123.0"');
    const { env, log } = await fakeApt(dir, chromium);
    const result = await runCommand("bash", [script], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`pretest: Chromium for the report tests: ${chromium} (Chromium 123.0)\n`);
    await expect(readFile(log, "utf8")).rejects.toThrow();
    const named = await runCommand("bash", [script], {
      env: { ...env, CHROMIUM: chromium, MEDRUBRIC_CHROMIUM_DEFAULT: join(dir, "none") },
    });
    expect(named.stdout).toContain(`${chromium} (Chromium 123.0), from $CHROMIUM`);
  });

  it("installs Debian's chromium with apt-get when it is missing, and says what it did", async () => {
    const dir = await tempDir();
    const target = join(dir, "chromium");
    const { env, log } = await fakeApt(dir, target);
    const result = await runCommand("bash", [script], { env });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^pretest: ${target} not found: installing Debian's chromium with (sudo )?apt-get`));
    expect(result.stdout).toContain(`pretest: installed Chromium 999.0 at ${target}\n`);
    expect((await readFile(log, "utf8")).split("\n")).toEqual(["update -qq", "install -y -qq chromium", ""]);
  });

  it("refuses a CHROMIUM that is not a program, saying how to fix it", async () => {
    const result = await runCommand("bash", [script], { env: { CHROMIUM: "/nonexistent/chromium" } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("CHROMIUM=/nonexistent/chromium is not an executable");
  });
});

describe("npm test's pretest: Postgres for the store tests", () => {
  const postgresScript = join(projectRoot, "scripts/ensure-postgres.sh");
  /** Fake apt-get that logs its arguments and "installs" initdb and postgres into `bin`. */
  const fakePostgresApt = async (dir: string, bin: string) => {
    const { env, log } = await fakeApt(dir, join(dir, "unused"));
    await fakeProgram(
      join(dir, "bin", "apt-get"),
      `echo "$@" >> ${log}\nif [ "$1" = install ]; then mkdir -p ${bin}; for p in initdb postgres; do printf '#!/usr/bin/env bash\\necho "postgres (PostgreSQL) 99.0"\\n' > ${bin}/$p; chmod +x ${bin}/$p; done; fi`,
    );
    return { env: { ...env, MEDRUBRIC_POSTGRES_BIN: bin, CI: "" }, log };
  };

  it("installs Debian's postgresql with apt-get when it is missing, then finds it without installing again", async () => {
    const dir = await tempDir();
    const bin = join(dir, "pg", "bin");
    const { env, log } = await fakePostgresApt(dir, bin);
    const result = await runCommand("bash", [postgresScript], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^pretest: ${bin}/postgres not found: installing Debian's postgresql with (sudo )?apt-get`));
    expect(result.stdout).toContain(`pretest: installed postgres (PostgreSQL) 99.0 at ${bin}\n`);
    expect((await readFile(log, "utf8")).split("\n")).toEqual(["update -qq", "install -y -qq postgresql", ""]);
    const again = await runCommand("bash", [postgresScript], { env });
    expect(again.stdout).toBe(`pretest: Postgres for the store tests: ${bin} (postgres (PostgreSQL) 99.0)\n`);
  });

  it("lets the Postgres tests be skipped when it cannot install, except under CI", async () => {
    const dir = await tempDir();
    const { env } = await fakeApt(dir, join(dir, "unused")); // an apt-get that installs nothing
    const bin = join(dir, "none");
    // CI exports both switches (.ci/run); a user's machine has neither.
    const userEnv = { ...env, MEDRUBRIC_POSTGRES_BIN: bin, CI: "", MEDRUBRIC_REQUIRE_REAL_DATA: "" };
    const skipped = await runCommand("bash", [postgresScript], { env: userEnv });
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toContain(
      `not at ${bin}: set MEDRUBRIC_POSTGRES_BIN to its bin folder; the Postgres store's tests will be skipped`,
    );
    for (const underCi of [{ CI: "true" }, { MEDRUBRIC_REQUIRE_REAL_DATA: "1" }]) {
      const ci = await runCommand("bash", [postgresScript], { env: { ...userEnv, ...underCi } });
      expect(ci.code).toBe(1);
      expect(ci.stderr).toContain("(the Postgres tests must run under CI)");
    }
  });
});

describe("the quick start's test line", () => {
  it("is what npm test runs after its pretest, and exactly what .ci/run runs", async () => {
    const readme = await readFile(join(projectRoot, "README.md"), "utf8");
    expect(readme).toContain("```sh\nnpm ci && npm run demo\nnpm ci && npm test\n```");
    const ci = (await readFile(join(projectRoot, ".ci/run"), "utf8")).trim().split("\n");
    expect(ci.at(-1)).toBe("npm ci && npm test");
    expect(ci.filter((line) => !line.startsWith("#") && line.includes("apt-get"))).toEqual([]);
    // CI has the real data: it must run the real-data tests, never pass by skipping them.
    expect(ci).toContain("export MEDRUBRIC_REQUIRE_REAL_DATA=1");
    const pkg = JSON.parse(await readFile(join(projectRoot, "package.json"), "utf8"));
    expect(pkg.scripts.pretest).toBe("bash scripts/ensure-chromium.sh && bash scripts/ensure-postgres.sh");
  });

  it("is on the README's first screen, says that it installs Chromium, and the README names only what a clone has", async () => {
    const readme = await readFile(join(projectRoot, "README.md"), "utf8");
    const lines = readme.split("\n");
    expect(lines.indexOf("npm ci && npm test")).toBeLessThan(40);
    expect(lines.slice(0, 40).join("\n")).toMatch(/installs Chromium/);
    expect(readme).not.toContain("../shared/");
    const rows = (file: string) =>
      readFileSync(join(projectRoot, "data/healthbench", file), "utf8")
        .trim()
        .split("\n").length;
    const bundled = rows("context_seeking_consensus_hard_104.jsonl") + rows("healthbench_rows_extra.jsonl");
    expect(readme).toContain(`${bundled} real HealthBench rows`);
    expect(readme).not.toMatch(/\b104 real HealthBench rows/);
  });

  it("runs npm without warnings, and onnxruntime-node's install script (the CUDA download) stays denied", async () => {
    const result = await runCommand("npm", ["pkg", "get", "name"], { cwd: projectRoot });
    expect(result.code).toBe(0);
    expect(result.stderr).not.toMatch(/npm warn/i);
    const pkg = JSON.parse(await readFile(join(projectRoot, "package.json"), "utf8"));
    expect(pkg.allowScripts["onnxruntime-node"]).toBe(false);
  });
});
