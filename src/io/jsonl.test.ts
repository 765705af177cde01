import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { tempDir } from "../../test/temp-dir.js";
import { InputError, NotFoundError } from "../core/errors.js";
import { readJsonl, writeJsonl } from "./jsonl.js";

const schema = z.object({ id: z.string(), n: z.number() });

async function file(text: string): Promise<string> {
  const path = join(await tempDir(), "rows.jsonl");
  await writeFile(path, text);
  return path;
}

async function collect<T>(reader: AsyncIterable<{ value: T; line: number }>) {
  const rows: { value: T; line: number }[] = [];
  for await (const row of reader) rows.push(row);
  return rows;
}

describe("readJsonl", () => {
  it("streams validated rows with their line numbers, past a BOM, CRLF and blank lines", async () => {
    const path = await file('\uFEFF{"id":"a","n":1}\r\n\r\n{"id":"b","n":2}\r\n');
    expect(await collect(readJsonl(path, schema))).toEqual([
      { value: { id: "a", n: 1 }, line: 1 },
      { value: { id: "b", n: 2 }, line: 3 },
    ]);
  });

  it("stops at the first bad row naming file, line and every bad field", async () => {
    const path = await file('{"id":"a","n":1}\n{"id":3,"n":"x"}\n');
    const error = await collect(readJsonl(path, schema)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).location).toEqual({ file: path, line: 2, field: "id" });
    expect((error as Error).message).toBe(
      `${path}:2: id: Invalid input: expected string, received number\n${path}:2: n: Invalid input: expected number, received string`,
    );
  });

  it("skips and keeps bad rows with skipInvalid", async () => {
    const path = await file('{"id":"a","n":1}\nnot json\n[1]\n{"id":"b","n":2}\n');
    const reader = readJsonl(path, schema, { skipInvalid: true });
    expect((await collect(reader)).map((row) => row.value.id)).toEqual(["a", "b"]);
    expect(reader.skipped.map((error) => error.message)).toEqual([
      expect.stringMatching(new RegExp(`^${path}:2: \\$: invalid JSON: `)),
      `${path}:3: $: Invalid input: expected object, received array`,
    ]);
  });

  it("refuses invalid UTF-8 naming file and line, instead of reading U+FFFD; skips it with skipInvalid", async () => {
    const path = join(await tempDir(), "latin1.jsonl");
    const latin1 = Buffer.from('{"id":"caf\xe9","n":2}\n', "latin1");
    await writeFile(path, Buffer.concat([Buffer.from('{"id":"a","n":1}\n'), latin1, Buffer.from('{"id":"\uFFFD ok","n":3}\n')]));
    await expect(collect(readJsonl(path, schema))).rejects.toThrow(
      new InputError({ file: path, line: 2, field: "$" }, "invalid UTF-8 (save the file as UTF-8 text)"),
    );
    const reader = readJsonl(path, schema, { skipInvalid: true });
    expect((await collect(reader)).map((row) => row.value.id)).toEqual(["a", "\uFFFD ok"]);
    expect(reader.skipped.map((error) => error.message)).toEqual([`${path}:2: $: invalid UTF-8 (save the file as UTF-8 text)`]);
  });

  it("reads lines longer than a read chunk, with characters cut across chunks, and a last line without newline", async () => {
    const long = "é".repeat(100_000);
    const path = await file(`{"id":"${long}","n":1}\n{"id":"b","n":2}`);
    expect((await collect(readJsonl(path, schema))).map((row) => [row.value.id.length, row.line])).toEqual([
      [100_000, 1],
      [1, 2],
    ]);
  });

  it("reads lines that span its 1 MB pieces, multi-byte characters across the boundaries included", async () => {
    // About 7 MB of CRLF-separated lines of growing length, so breaks and UTF-8 sequences fall on and around the boundaries.
    const rows = Array.from({ length: 40 }, (_, i) => ({ id: `${"\u00e9\u4e2d\ud83d\ude00".repeat(i * 997)}${i}`, n: i }));
    const text = rows.map((row) => JSON.stringify(row)).join("\r\n");
    const path = await file(`${text}\n`);
    const read = await collect(readJsonl(path, schema));
    expect(read.map((row) => row.line)).toEqual(rows.map((_, i) => i + 1));
    expect(read.map((row) => row.value)).toEqual(rows);
  });

  it("takes a hot path's value when it gives one, and zod's error when it gives none", async () => {
    const path = await file('{"id":"a","n":1}\n{"id":"b","n":"x"}\n');
    const fast = (raw: unknown) => ((raw as { id: string }).id === "a" ? { id: "from the hot path", n: 0 } : undefined);
    const reader = readJsonl(path, schema, { skipInvalid: true }, fast);
    expect(await collect(reader)).toEqual([{ value: { id: "from the hot path", n: 0 }, line: 1 }]);
    expect(reader.skipped.map((error) => error.message)).toEqual([`${path}:2: n: Invalid input: expected number, received string`]);
  });

  it("names a missing file", async () => {
    await expect(collect(readJsonl("/nonexistent/rows.jsonl", schema))).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("writeJsonl", () => {
  it("writes one JSON row per line, creating the folder", async () => {
    const path = join(await tempDir(), "deep", "out.jsonl");
    await writeJsonl(path, [{ a: 1 }, { b: "x" }]);
    expect(readFileSync(path, "utf8")).toBe('{"a":1}\n{"b":"x"}\n');
  });
});
