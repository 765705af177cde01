/**
 * Reads a JSON request body straight from Node's IncomingMessage, refusing it once it passes
 * `maxBytes`. Going through Hono's `c.req.json()` would build a WHATWG Request with its streams
 * and abort signal for every request: a third of the server's time under load
 * (BENCHMARKS.md, "Reward server under load").
 */
import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest } from "node:http2";
import { ClientGoneError, HttpError } from "./http-error.js";

export async function readJsonBody(incoming: IncomingMessage | Http2ServerRequest, maxBytes: number): Promise<unknown> {
  // The rest of an oversized body is never read, so the connection closes after the 413.
  const tooLarge = () => new HttpError(413, `body larger than ${maxBytes} bytes`, { connection: "close" });
  if (Number(incoming.headers["content-length"] ?? 0) > maxBytes) throw tooLarge();
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      // A body sent without (or with a false) content-length is cut off here, not buffered whole;
      // pausing rather than destroying the request leaves the socket to carry the 413.
      incoming.off("data", onData);
      incoming.pause();
      reject(tooLarge());
    };
    incoming.on("data", onData);
    incoming.once("end", () => resolve(Buffer.concat(chunks, size).toString("utf8")));
    // A client that hangs up mid-body is not a server fault (no 500 in /metrics): it is counted apart.
    incoming.once("error", () => reject(new ClientGoneError()));
    incoming.once("close", () => {
      if (!incoming.readableEnded) reject(new ClientGoneError());
    });
  });
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "body: not valid JSON");
  }
}
