import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { link, mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/temp-dir.js";
import { OutputError, UsageError } from "../core/errors.js";
import { checkOutputDir, checkOutputFile, writeFileAtomic } from "./output-file.js";

describe("writeFileAtomic", () => {
  it("writes text and bytes, creating the folder, and leaves no temporary behind", async () => {
    const dir = await tempDir();
    await writeFileAtomic(join(dir, "deep", "a.txt"), "hello");
    await writeFileAtomic(join(dir, "deep", "b.bin"), new Uint8Array([1, 2, 3]));
    expect(readFileSync(join(dir, "deep", "a.txt"), "utf8")).toBe("hello");
    expect([...readFileSync(join(dir, "deep", "b.bin"))]).toEqual([1, 2, 3]);
    expect(readdirSync(join(dir, "deep")).sort()).toEqual(["a.txt", "b.bin"]);
  });

  it("never writes through a symbolic link planted where the old predictable temporary went", async () => {
    const dir = await tempDir();
    const victim = join(dir, "victim.txt");
    await writeFile(victim, "precious");
    await symlink(victim, join(dir, `out.jsonl.${process.pid}.tmp`));
    await writeFileAtomic(join(dir, "out.jsonl"), "new");
    expect(readFileSync(victim, "utf8")).toBe("precious");
    expect(readFileSync(join(dir, "out.jsonl"), "utf8")).toBe("new");
  });

  it("refuses to replace a FIFO, a folder or a symbolic link, and leaves them as they were", async () => {
    const dir = await tempDir();
    const fifo = join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    await expect(writeFileAtomic(fifo, "x")).rejects.toThrow(
      new OutputError(`${fifo}: the output exists and is not a regular file (a FIFO, device or socket); refusing to replace it`),
    );
    await mkdir(join(dir, "work"));
    await expect(writeFileAtomic(join(dir, "work"), "x")).rejects.toThrow(/is a folder \(give a file path\)/);
    await writeFile(join(dir, "target"), "kept");
    await symlink(join(dir, "target"), join(dir, "link"));
    await expect(writeFileAtomic(join(dir, "link"), "x")).rejects.toThrow(/is a symbolic link/);
    expect(readFileSync(join(dir, "target"), "utf8")).toBe("kept");
    expect(readdirSync(dir).sort()).toEqual(["fifo", "link", "target", "work"]);
  });
});

describe("checkOutputFile", () => {
  it("refuses an output that is one of the inputs, by any name", async () => {
    const dir = await tempDir();
    const input = join(dir, "g.jsonl");
    await writeFile(input, "{}\n");
    await link(input, join(dir, "hard.jsonl"));
    await expect(checkOutputFile(input, [input])).rejects.toThrow(UsageError);
    await expect(checkOutputFile(join(dir, "hard.jsonl"), [join(dir, "./g.jsonl")])).rejects.toThrow(
      `${join(dir, "hard.jsonl")}: the output is also an input (${join(dir, "g.jsonl")})`,
    );
    await expect(checkOutputFile(join(dir, "other.jsonl"), [input])).resolves.toBeUndefined();
    await writeFile(join(dir, "other.jsonl"), "");
    await expect(checkOutputFile(join(dir, "other.jsonl"), [input, undefined])).resolves.toBeUndefined();
  });
});

describe("checkOutputDir", () => {
  it("accepts a missing or existing folder and refuses a file", async () => {
    const dir = await tempDir();
    await expect(checkOutputDir(join(dir, "new"))).resolves.toBeUndefined();
    await expect(checkOutputDir(dir)).resolves.toBeUndefined();
    await writeFile(join(dir, "file"), "");
    await expect(checkOutputDir(join(dir, "file"))).rejects.toThrow(OutputError);
  });
});
