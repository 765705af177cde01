import { readdirSync, readFileSync } from "node:fs";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedFixtureModel } from "../../test/model-server.js";
import { runCli } from "../../test/run-cli.js";
import { tempDir } from "../../test/temp-dir.js";
import { EXIT_CODES } from "../core/errors.js";

// Bad model directories and bad output paths: each is refused with a message naming the file, never a stack trace.
let root: string;
let model: string;
let store: string;
const prompt = [{ role: "user", content: "I have crushing chest pain." }];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "medrubric-model-inputs-"));
  // The serving tests' model, trained once per run: these tests only read it or copy it.
  ({ model, store } = await sharedFixtureModel(root));
}, 120_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function itemsFile(dir: string): Promise<string> {
  const file = join(dir, "items.jsonl");
  await writeFile(file, `${JSON.stringify({ id: "a", prompt, response: "Call emergency services." })}\n`);
  return file;
}

const reward = (modelDir: string, input: string, out: string) =>
  runCli(["reward", "--model", modelDir, "--input", input, "--out", out, "--store", store]);

describe("reward-model inputs and outputs", () => {
  it("names a missing weights.bin instead of crashing", async () => {
    const dir = await tempDir();
    const copy = join(dir, "model");
    await cp(model, copy, { recursive: true });
    await rm(join(copy, "weights.bin"));
    const result = await reward(copy, await itemsFile(dir), join(dir, "out.jsonl"));
    expect(result.stderr).not.toContain("internal error");
    expect(result.code).toBe(EXIT_CODES.not_found);
    expect(result.stderr).toContain(`${join(copy, "weights.bin")}: cannot read (is ${copy} a model directory?)`);
  });

  it("refuses a model with a NaN weight at load, naming the tensor", async () => {
    const dir = await tempDir();
    const copy = join(dir, "model");
    await cp(model, copy, { recursive: true });
    const bytes = readFileSync(join(copy, "weights.bin"));
    bytes.writeFloatLE(Number.NaN, 4);
    await writeFile(join(copy, "weights.bin"), bytes);
    const [first] = JSON.parse(readFileSync(join(copy, "weights.json"), "utf8")) as { name: string }[];
    const result = await reward(copy, await itemsFile(dir), join(dir, "out.jsonl"));
    expect(result.code).toBe(EXIT_CODES.input);
    expect(result.stderr).toContain(`${join(copy, "weights.bin")}: ${first?.name}[1]: weight is NaN; the model is broken (retrain it)`);
  });

  it("refuses --out at a folder before scoring, leaving no temporary", async () => {
    const dir = await tempDir();
    const input = await itemsFile(dir);
    await mkdir(join(dir, "work"));
    const result = await reward(model, input, join(dir, "work"));
    expect(result.code).toBe(EXIT_CODES.cant_create);
    expect(result.stderr).toContain(`${join(dir, "work")}: the output exists and is a folder`);
    expect(readdirSync(dir).sort()).toEqual(["items.jsonl", "work"]);
  });

  it("refuses train --out at an existing file before training", async () => {
    const dir = await tempDir();
    const out = join(dir, "model.bin");
    await writeFile(out, "not a folder");
    const result = await runCli(["train", "--units", "data/seed/units.jsonl", "--out", out, "--store", store, "--epochs", "1"]);
    expect(result.code).toBe(EXIT_CODES.cant_create);
    expect(result.stderr).toContain(`${out}: exists and is not a folder`);
    expect(result.stdout).not.toContain("training:");
    expect(readFileSync(out, "utf8")).toBe("not a folder");
  });

  it("rerank bounds the candidates of a row before any scoring, and range-checks the bound", async () => {
    const dir = await tempDir();
    const input = join(dir, "candidates.jsonl");
    const responses = Array.from({ length: 125_000 }, (_, i) => `answer ${i}`);
    await writeFile(input, `${JSON.stringify({ id: 1, prompt, responses: ["a"] })}\n${JSON.stringify({ id: 2, prompt, responses })}\n`);
    const out = join(dir, "best.jsonl");
    const rerank = (extra: string[]) => runCli(["rerank", "--model", model, "--input", input, "--out", out, "--store", store, ...extra]);
    const refused = await rerank([]);
    expect(refused.code).toBe(EXIT_CODES.input);
    expect(refused.stderr).toContain(`${input}:2: responses: 125000 candidates, more than --max-candidates 4096`);
    expect((await rerank(["--max-candidates", "0"])).code).toBe(EXIT_CODES.usage);
  });
});
