import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { tempDir } from "../../test/temp-dir.js";
import { InputError, NotFoundError } from "../core/errors.js";
import { readJsonFileAs, readTextFile } from "./read-file.js";

describe("readJsonFileAs", () => {
  const schema = z.object({ layers: z.array(z.object({ size: z.number().int() })) });

  it("returns the validated value, and names the file and the first offending field otherwise", async () => {
    const file = join(await tempDir(), "config.json");
    await writeFile(file, JSON.stringify({ layers: [{ size: 4 }] }));
    expect(await readJsonFileAs(file, schema)).toEqual({ layers: [{ size: 4 }] });
    await writeFile(file, JSON.stringify({ layers: [{ size: 4 }, { size: "big" }] }));
    const call = readJsonFileAs(file, schema);
    await expect(call).rejects.toThrow(InputError);
    await expect(call).rejects.toThrow(`${file}: layers.1.size:`);
  });

  it("keeps the reader's errors: a missing file with its hint, bad JSON at the root", async () => {
    const dir = await tempDir();
    await expect(readJsonFileAs(join(dir, "none.json"), schema, " (is it a model?)")).rejects.toThrow(NotFoundError);
    await expect(readJsonFileAs(join(dir, "none.json"), schema, " (is it a model?)")).rejects.toThrow("(is it a model?)");
    await writeFile(join(dir, "bad.json"), "{nope");
    await expect(readJsonFileAs(join(dir, "bad.json"), schema)).rejects.toThrow(InputError);
  });
});

describe("readTextFile", () => {
  it("strips a leading BOM and refuses invalid UTF-8 naming the line", async () => {
    const file = join(await tempDir(), "standard.yaml");
    await writeFile(file, "\uFEFFa: 1\n");
    expect(await readTextFile(file)).toBe("a: 1\n");
    await writeFile(file, Buffer.concat([Buffer.from("a: 1\nb: "), Buffer.from([0xc3]), Buffer.from("\n")]));
    await expect(readTextFile(file)).rejects.toThrow(`${file}:2: $: invalid UTF-8`);
  });
});
