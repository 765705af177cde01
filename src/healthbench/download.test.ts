import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type FileServer, startFileServer } from "../../test/file-server.js";
import { tempDir } from "../../test/temp-dir.js";
import { IntegrityError, NetworkError, OutputError } from "../core/errors.js";
import { sha256Hex } from "../core/hash.js";
import { type DownloadTarget, downloadVerified } from "./download.js";

const content = randomBytes(300_000);
const fast = { backoffMs: 1, maxBackoffMs: 5 };
let server: FileServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function targetFor(url: string, overrides: Partial<DownloadTarget> = {}): Promise<DownloadTarget> {
  const dir = await tempDir();
  return { url: `${url}data.jsonl`, path: join(dir, "data.jsonl"), bytes: content.length, sha256: sha256Hex(content), ...overrides };
}

describe("downloadVerified", () => {
  it("downloads and verifies a file", async () => {
    server = await startFileServer({ "data.jsonl": content });
    const target = await targetFor(server.url);
    const progress: number[] = [];
    const result = await downloadVerified(target, { ...fast, onProgress: (received) => progress.push(received) });
    expect(sha256Hex(await readFile(target.path))).toBe(sha256Hex(content));
    expect(result).toMatchObject({ attempts: 1, resumedFrom: 0, alreadyPresent: false });
    expect(progress.at(-1)).toBe(content.length);
    expect(existsSync(`${target.path}.part`)).toBe(false);
  });

  it("resumes with a Range request after the connection drops", async () => {
    server = await startFileServer({ "data.jsonl": content }, { dropAfterBytes: { bytes: 100_000, times: 2 } });
    const target = await targetFor(server.url);
    const result = await downloadVerified(target, fast);
    expect(sha256Hex(await readFile(target.path))).toBe(sha256Hex(content));
    expect(result.attempts).toBe(3);
    expect(server.requests.map((r) => r.range)).toEqual([undefined, "bytes=100000-", "bytes=200000-"]);
  });

  it("refuses a symbolic link planted at the partial file's place, leaving its target alone", async () => {
    server = await startFileServer({ "data.jsonl": content });
    const target = await targetFor(server.url);
    const victim = join(await tempDir(), "victim");
    await writeFile(victim, "precious");
    await symlink(victim, `${target.path}.part`);
    await expect(downloadVerified(target, fast)).rejects.toThrow(OutputError);
    expect(await readFile(victim, "utf8")).toBe("precious");
    expect(server.requests).toHaveLength(0);
  });

  it("resumes a partial file left by an earlier run", async () => {
    server = await startFileServer({ "data.jsonl": content });
    const target = await targetFor(server.url);
    await writeFile(`${target.path}.part`, content.subarray(0, 123_456));
    const result = await downloadVerified(target, fast);
    expect(result.resumedFrom).toBe(123_456);
    expect(server.requests[0]?.range).toBe("bytes=123456-");
    expect(sha256Hex(await readFile(target.path))).toBe(sha256Hex(content));
  });

  it("starts over when the server ignores the Range header", async () => {
    server = await startFileServer({ "data.jsonl": content }, { ignoreRange: true });
    const target = await targetFor(server.url);
    await writeFile(`${target.path}.part`, content.subarray(0, 5000));
    await downloadVerified(target, fast);
    expect(sha256Hex(await readFile(target.path))).toBe(sha256Hex(content));
  });

  it("retries 5xx answers and gives up on 404", async () => {
    server = await startFileServer({ "data.jsonl": content }, { status: { code: 503, times: 2 } });
    const target = await targetFor(server.url);
    expect((await downloadVerified(target, fast)).attempts).toBe(3);
    const missing = await targetFor(server.url, { url: `${server.url}nope.jsonl` });
    await expect(downloadVerified(missing, fast)).rejects.toThrow(/HTTP 404/);
    expect(server.requests.filter((r) => r.path === "nope.jsonl")).toHaveLength(1);
  });

  it("refuses a checksum mismatch and removes the bad bytes", async () => {
    server = await startFileServer({ "data.jsonl": content });
    const target = await targetFor(server.url, { sha256: "0".repeat(64) });
    const error = await downloadVerified(target, fast).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toMatch(/does not match the published 0{64}/);
    expect(existsSync(target.path)).toBe(false);
    expect(existsSync(`${target.path}.part`)).toBe(false);
  });

  it("verifies a file already present instead of downloading it again", async () => {
    server = await startFileServer({ "data.jsonl": content });
    const target = await targetFor(server.url);
    await downloadVerified(target, fast);
    const again = await downloadVerified(target, fast);
    expect(again.alreadyPresent).toBe(true);
    expect(server.requests).toHaveLength(1);
    await writeFile(target.path, "tampered");
    await expect(downloadVerified(target, fast)).rejects.toThrow(/delete it to download again/);
  });

  it("fails with a network error after bounded retries", async () => {
    server = await startFileServer({ "data.jsonl": content }, { dropAfterBytes: { bytes: 10, times: 99 } });
    const target = await targetFor(server.url);
    await expect(downloadVerified(target, { ...fast, retries: 2 })).rejects.toBeInstanceOf(NetworkError);
    expect(server.requests).toHaveLength(3);
    expect((await stat(`${target.path}.part`)).size).toBe(30); // kept for the next run to resume
  });
});
