import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { maxDifference } from "../../test/encoder-contract.js";
import { tempDir } from "../../test/temp-dir.js";
import { writeTinyOnnxModel } from "../../test/tiny-onnx-model.js";
import { ConfigError } from "../core/errors.js";
import { createOnnxEncoder } from "./onnx-encoder.js";

// The contract tests run in encoders.test.ts with the other encoders; these are the directory's own concerns.

const tinyModel = async (options: Parameters<typeof writeTinyOnnxModel>[1] = {}, name = "tiny-bert") =>
  writeTinyOnnxModel(join(await tempDir(), name), options);

describe("createOnnxEncoder", () => {
  it("is named by the weights and tokenizer, not the path: a renamed copy gives the same id, other weights another", async () => {
    const [here, there, other] = await Promise.all([tinyModel(), tinyModel({}, "renamed"), tinyModel({ seed: 2 })]);
    const [a, b, c] = await Promise.all([here, there, other].map((dir) => createOnnxEncoder(dir)));
    expect(here).not.toBe(there);
    expect(a?.id).toMatch(/^onnx@[0-9a-f]{12}\+mean$/);
    expect(b?.id).toBe(a?.id);
    expect(c?.id).not.toBe(a?.id);
    const [vectorA, vectorC] = [await a?.embed(["chest pain"]), await c?.embed(["chest pain"])].map((vectors) => vectors?.[0]);
    expect(maxDifference(vectorA as Float32Array, vectorC as Float32Array)).toBeGreaterThan(1e-3);
    const tokenizer = join(there, "tokenizer.json");
    await writeFile(tokenizer, `${await readFile(tokenizer, "utf8")}\n`);
    expect((await createOnnxEncoder(there)).id).not.toBe(a?.id);
  });

  it("names the directory and the missing file before transformers.js reads anything", async () => {
    const missing = join(await tempDir(), "nowhere");
    await expect(createOnnxEncoder(missing)).rejects.toThrow(new ConfigError(`onnx:${missing}: no model directory at ${missing}`));
    for (const file of ["tokenizer.json", "config.json", "tokenizer_config.json"]) {
      const dir = await tinyModel();
      await rm(join(dir, file));
      const call = createOnnxEncoder(dir);
      await expect(call).rejects.toThrow(ConfigError);
      await expect(call).rejects.toThrow(`onnx:${dir}: ${dir} has no ${file}`);
    }
    const dir = await tinyModel();
    await rm(join(dir, "onnx/model.onnx"));
    await expect(createOnnxEncoder(dir)).rejects.toThrow(`${dir} has no onnx/model.onnx nor onnx/model_quantized.onnx`);
  });

  it("resolves a relative directory itself, so transformers.js never takes it for a Hub model id", async () => {
    const dir = await tinyModel();
    const cwd = process.cwd();
    process.chdir(join(dir, ".."));
    onTestFinished(() => process.chdir(cwd));
    // `tiny-bert` is a valid Hub id: left to transformers.js it would be looked up under node_modules.
    const relative = await createOnnxEncoder("tiny-bert");
    const absolute = await createOnnxEncoder(dir);
    expect(relative.id).toBe(absolute.id);
    const [[a], [b]] = await Promise.all([relative.embed(["fever"]), absolute.embed(["fever"])]);
    expect(maxDifference(a as Float32Array, b as Float32Array)).toBe(0);
  });

  it("never goes to the network: a file gone after the checks is a local error, and fetch is never called", async () => {
    const { env } = await import("@huggingface/transformers");
    const requests: string[] = [];
    const realFetch = env.fetch;
    env.fetch = async (url: string | URL) => {
      requests.push(String(url));
      throw new Error("network used");
    };
    onTestFinished(() => {
      env.fetch = realFetch;
    });
    const dir = await tinyModel();
    const encoder = await createOnnxEncoder(dir);
    await rm(join(dir, "tokenizer.json"));
    const call = encoder.embed(["fever"]);
    await expect(call).rejects.toThrow(ConfigError);
    await expect(call).rejects.toThrow(/tokenizer\.json/);
    expect(env.allowRemoteModels).toBe(false);
    expect(requests).toEqual([]);
  });

  it("uses the quantised export when it is the only one", async () => {
    // The fixture's "quantised" file holds the same fp32 graph, so the vectors match the fp32 directory's.
    const [fp32, q8] = await Promise.all([
      createOnnxEncoder(await tinyModel()),
      createOnnxEncoder(await tinyModel({ onnxFile: "model_quantized.onnx" })),
    ]);
    expect(q8.id).toBe(fp32.id);
    const [[a], [b]] = await Promise.all([fp32.embed(["call the doctor"]), q8.embed(["call the doctor"])]);
    expect(maxDifference(a as Float32Array, b as Float32Array)).toBeLessThan(1e-6);
  });

  it("honours sentence-transformers' CLS pooling, and names it in the id", async () => {
    const [mean, cls] = await Promise.all(
      [tinyModel({ pooling: "mean" }), tinyModel({ pooling: "cls" })].map(async (dir) => createOnnxEncoder(await dir)),
    );
    expect(mean?.id).toMatch(/\+mean$/);
    expect(cls?.id).toBe(mean?.id.replace(/\+mean$/, "+cls"));
    // Without attention, the fixture's [CLS] state depends on nothing but its position: every text gets the same vector.
    const [a, b] = await (cls as NonNullable<typeof cls>).embed(["chest pain", "drink fluids and rest"]);
    expect(maxDifference(a as Float32Array, b as Float32Array)).toBeLessThan(1e-6);
    const [c, d] = await (mean as NonNullable<typeof mean>).embed(["chest pain", "drink fluids and rest"]);
    expect(maxDifference(c as Float32Array, d as Float32Array)).toBeGreaterThan(1e-3);
  });

  it("refuses other sentence-transformers poolings, naming the file and the modes", async () => {
    const dir = await tinyModel({ pooling: "mean" });
    const file = join(dir, "1_Pooling/config.json");
    await writeFile(file, JSON.stringify({ pooling_mode_mean_tokens: true, pooling_mode_max_tokens: true }));
    await expect(createOnnxEncoder(dir)).rejects.toThrow(
      new ConfigError(
        `onnx:${dir}: ${file} sets pooling_mode_mean_tokens and pooling_mode_max_tokens; supported are pooling_mode_cls_token or pooling_mode_mean_tokens alone`,
      ),
    );
  });

  it("truncates to the model's length: text past it changes nothing", async () => {
    const encoder = await createOnnxEncoder(await tinyModel());
    const long = Array.from({ length: 100 }, (_, i) => `word${i}`).join(" ");
    const [a, b] = await encoder.embed([long, `${long} and the emergency`]);
    expect(maxDifference(a as Float32Array, b as Float32Array)).toBe(0);
  });
});
