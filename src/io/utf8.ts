/**
 * Strict UTF-8 decoding of input files. Node's default decoding turns invalid bytes into
 * U+FFFD without a word, so a file saved in Latin-1 or cut mid-character would be graded or
 * trained on as silently altered text; here it is refused, naming the file and the line.
 */
import { isUtf8 } from "node:buffer";
import { InputError } from "../core/errors.js";

// ignoreBOM: a BOM is part of the text here; readers strip the one at the start of a file themselves.
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

const invalid = (file: string, line: number) => new InputError({ file, line, field: "$" }, "invalid UTF-8 (save the file as UTF-8 text)");

/** One line's text; `line` is its 1-based number, for the error. */
export function decodeUtf8Line(bytes: Buffer, file: string, line: number): string {
  // isUtf8 then toString: both native, faster than a fatal TextDecoder on big files.
  if (!isUtf8(bytes)) throw invalid(file, line);
  return bytes.toString("utf8");
}

/** A whole file's text, without a leading BOM; an error names the first line with invalid bytes. */
export function decodeUtf8File(bytes: Uint8Array, file: string): string {
  let text: string;
  try {
    text = strict.decode(bytes);
  } catch {
    throw invalid(file, firstInvalidLine(bytes));
  }
  return text.replace(/^\uFEFF/, "");
}

function firstInvalidLine(bytes: Uint8Array): number {
  let start = 0;
  for (let line = 1; ; line++) {
    const end = bytes.indexOf(0x0a, start);
    if (end < 0 || !isUtf8(bytes.subarray(start, end))) return line;
    start = end + 1;
  }
}
