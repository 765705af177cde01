import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeEncoderContract, maxDifference } from "../../test/encoder-contract.js";
import { runCommand } from "../../test/run-command.js";
import { tempDir } from "../../test/temp-dir.js";
import { writeTinyOnnxModel } from "../../test/tiny-onnx-model.js";
import { ConfigError } from "../core/errors.js";
import { useWasmBackend } from "../rm/tf-backend.js";
import { createEncoderPool, type PooledEncoder } from "./encoder-pool.js";
import { createEncoder, createInProcessEncoder } from "./encoder-spec.js";

// Varied lengths, some chunked (over 1000 characters for USE-lite), so jobs differ in cost and finish out of order.
const TEXTS = Array.from({ length: 15 }, (_, i) =>
  Array.from(
    { length: 1 + ((i * 7) % 15) },
    (_, j) => `Sentence ${j} of answer ${i}: the patient should ${j % 2 ? "rest and drink fluids" : "see a doctor today"}.`,
  ).join(" "),
);

let onnxDir: string;
const pools: PooledEncoder[] = [];
/** A pool closed after the file's tests, so no thread outlives them. */
async function pool(spec: string, threads: number, jobSize?: number): Promise<PooledEncoder> {
  const made = createEncoderPool(await createInProcessEncoder(spec), spec, { threads, jobSize });
  pools.push(made);
  return made;
}

beforeAll(async () => {
  onnxDir = await writeTinyOnnxModel(join(await mkdtemp(join(tmpdir(), "medrubric-onnx-")), "tiny-bert"));
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
  await rm(join(onnxDir, ".."), { recursive: true, force: true });
});

// One two-thread pool per encoder for the file: each new pool loads the model again in each thread.
let useLitePool: Promise<PooledEncoder> | undefined;
const sharedUseLitePool = () => (useLitePool ??= pool("use-lite", 2, 2));
let onnxPool: Promise<PooledEncoder> | undefined;
const sharedOnnxPool = () => (onnxPool ??= pool(`onnx:${onnxDir}`, 2, 1));

describeEncoderContract("USE-lite, chunked, 2 threads", sharedUseLitePool);
describeEncoderContract("local ONNX directory, chunked, 2 threads", sharedOnnxPool);

describe("createEncoderPool", () => {
  it("gives USE-lite's vectors in this thread's order, exactly, with the jobs spread over two threads", async () => {
    // This thread runs tfjs on our WebAssembly backend, as a command that has loaded a reward model does.
    await useWasmBackend();
    const pooled = await sharedUseLitePool();
    const alone = await createInProcessEncoder("use-lite");
    expect([pooled.id, pooled.dim]).toEqual([alone.id, alone.dim]);
    const [fromPool, fromHere] = await Promise.all([pooled.embed(TEXTS), alone.embed(TEXTS)]);
    expect(fromPool).toHaveLength(TEXTS.length);
    // Each text is embedded alone (use-lite-encoder.ts), so how the pool splits a call changes no digit.
    expect(fromPool).toEqual(fromHere);
  }, 120_000);

  it("gives an ONNX model's vectors with one onnxruntime thread per worker, as the model gives them in this thread", async () => {
    const [fromPool, fromHere] = await Promise.all([
      (await sharedOnnxPool()).embed(TEXTS),
      (await createInProcessEncoder(`onnx:${onnxDir}`)).embed(TEXTS),
    ]);
    for (const [i, vector] of fromPool.entries()) expect(maxDifference(vector, fromHere[i] as Float32Array)).toBeLessThan(1e-6);
  });

  it("fails a call with the thread's error, its kind kept, when a thread cannot build the encoder", async () => {
    const dir = await writeTinyOnnxModel(join(await tempDir(), "gone"));
    const local = await createInProcessEncoder(`onnx:${dir}`);
    await rm(dir, { recursive: true });
    const broken = createEncoderPool(local, `onnx:${dir}`, { threads: 2 });
    pools.push(broken);
    await expect(broken.embed(["a", "b", "c"])).rejects.toMatchObject({
      kind: new ConfigError("").kind,
      message: `onnx:${dir}: no model directory at ${dir}`,
    });
  });

  it("fails what is in flight when closed, and starts new threads when used again", async () => {
    const pooled = await pool(`onnx:${onnxDir}`, 2, 1);
    const call = expect(pooled.embed(TEXTS)).rejects.toThrow("closed");
    await pooled.close();
    await call;
    expect(await pooled.embed(["again"])).toHaveLength(1);
  });

  it("refuses a thread count below 1", async () => {
    const local = await createInProcessEncoder(`onnx:${onnxDir}`);
    expect(() => createEncoderPool(local, "x", { threads: 0 })).toThrow("threads must be an integer >= 1, got 0");
  });

  it("lets a command end without closing the pool: idle threads hold no process open", async () => {
    const spec = new URL("./encoder-spec.ts", import.meta.url).href;
    const script = `const { createEncoder } = await import(${JSON.stringify(spec)});
      const encoder = await createEncoder(${JSON.stringify(`onnx:${onnxDir}`)}, { threads: 2 });
      console.log((await encoder.embed(["one", "two", "three"])).length);`;
    const started = Date.now();
    const result = await runCommand(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script]);
    expect(result).toMatchObject({ code: 0, stdout: "3\n" });
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);

  it("is what createEncoder builds for use-lite and onnx: with threads > 1, and not for one thread", async () => {
    expect(await createEncoder(`onnx:${onnxDir}`, { threads: 2 })).toHaveProperty("threads", 2);
    expect(await createEncoder(`onnx:${onnxDir}`, { threads: 1 })).not.toHaveProperty("threads");
    expect(await createEncoder(`onnx:${onnxDir}`)).not.toHaveProperty("threads");
  });
});
