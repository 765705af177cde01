/**
 * The LLM client's HTTP transport: one POST of a JSON body and its answer read as text, on
 * Node's own `http`/`https` with keep-alive agents holding as many sockets per server as the
 * client has requests in flight. It replaced the global `fetch` (undici behind WHATWG streams,
 * Request/Response objects and transferable AbortSignals), which was about a third of the
 * reward server's CPU at a thousand judge calls a second.
 *
 * An attempt has one deadline, headers and body included, and ends at once when the caller's
 * signal aborts: either destroys the request (its socket is closed, never reused). A body larger
 * than the cap, declared or streamed, is not read further and its socket is closed. No
 * Accept-Encoding is sent (so a server answers uncompressed), but a body a server compresses
 * anyway is decompressed, as `fetch` did, the cap applying to what it decompresses to.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { Readable } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";

export interface TransportRequest {
  /** Where to POST; `target()` makes one per base URL. */
  target: PostTarget;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  maxResponseBytes: number;
  signal?: AbortSignal;
}

/** The answer: `text` is undefined when the body was over the size limit. */
export interface TransportResponse {
  status: number;
  retryAfter: string | null;
  text: string | undefined;
}

/** A parsed URL and the agent for its scheme, made once per endpoint and path. */
export interface PostTarget {
  readonly url: string;
  readonly options: Readonly<RequestOptions>;
  readonly secure: boolean;
}

/** Ended by the attempt's deadline; its `name` is TimeoutError, as AbortSignal.timeout's reason. */
export class TransportTimeoutError extends Error {
  override name = "TimeoutError";
}

export interface HttpTransport {
  target(url: string): PostTarget;
  post(request: TransportRequest): Promise<TransportResponse>;
}

/** `sockets`: connections kept per server (the client's concurrency: more would only sit idle). */
export function createHttpTransport(sockets: number): HttpTransport {
  // Free sockets are unref'd by the agent, so a kept connection never holds the process open;
  // the agent also drops one a second before the server's announced Keep-Alive timeout.
  const agents = {
    http: new HttpAgent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets }),
  };
  return {
    target(url) {
      const parsed = new URL(url);
      const secure = parsed.protocol === "https:";
      return {
        url,
        secure,
        options: {
          method: "POST",
          hostname: parsed.hostname.replace(/^\[(.*)\]$/, "$1"),
          port: parsed.port || (secure ? 443 : 80),
          path: `${parsed.pathname}${parsed.search}`,
          agent: secure ? agents.https : agents.http,
        },
      };
    },
    post,
  };
}

function post({ target, headers, body, timeoutMs, maxResponseBytes, signal }: TransportRequest): Promise<TransportResponse> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(body, "utf8");
    const send = target.secure ? httpsRequest : httpRequest;
    const req = send({ ...target.options, headers: { ...headers, "content-length": payload.byteLength } });
    let settled = false;
    const finish = (error: Error | undefined, response?: TransportResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (error) {
        req.destroy();
        reject(withCode(error));
      } else resolve(response as TransportResponse);
    };
    const onAbort = () => finish(signal?.reason instanceof Error ? signal.reason : new Error(String(signal?.reason)));
    const timer = setTimeout(() => finish(new TransportTimeoutError(`no answer within ${timeoutMs} ms`)), timeoutMs);
    // As AbortSignal.timeout's: a request in flight alone does not keep the process alive.
    timer.unref();
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    req.on("error", (error) => finish(error));
    req.on("response", (res) => readCapped(res, maxResponseBytes, finish));
    req.end(payload);
  });
}

/** Decoders of the Content-Encodings a server may use although not asked to. */
const DECODERS: Readonly<Record<string, () => NodeJS.ReadWriteStream>> = {
  gzip: createGunzip,
  "x-gzip": createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/** Reads `res` to the end, or stops (closing the socket) once it is known to exceed `maxBytes`. */
function readCapped(res: IncomingMessage, maxBytes: number, finish: (error: Error | undefined, response?: TransportResponse) => void) {
  const status = res.statusCode ?? 0;
  const retryAfter = (res.headers["retry-after"] as string | undefined) ?? null;
  const decoder =
    DECODERS[
      String(res.headers["content-encoding"] ?? "")
        .trim()
        .toLowerCase()
    ]?.();
  const body = decoder ? (res.pipe(decoder) as unknown as Readable) : res;
  const tooLarge = () => {
    res.destroy();
    decoder?.removeAllListeners("data");
    finish(undefined, { status, retryAfter, text: undefined });
  };
  if (Number(res.headers["content-length"] ?? 0) > maxBytes) return tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  body.on("data", (chunk: Buffer) => {
    size += chunk.byteLength;
    if (size > maxBytes) return tooLarge();
    chunks.push(chunk);
  });
  body.on("end", () => {
    const text = chunks.length === 1 ? (chunks[0] as Buffer).toString("utf8") : Buffer.concat(chunks).toString("utf8");
    finish(undefined, { status, retryAfter, text });
  });
  // A body that does not decompress is a failed request, as a dropped one is.
  decoder?.on("error", (error: Error) => finish(error));
  // A connection dropped mid-body: 'error' (aborted, ECONNRESET), or at least 'close' before 'end'.
  res.on("error", (error) => finish(error));
  res.on("close", () => {
    if (!res.complete) finish(Object.assign(new Error("the connection closed before the response body ended"), { code: "ECONNRESET" }));
  });
}

/** A socket error's message with its code, e.g. `socket hang up (ECONNRESET)`, as failures are logged. */
function withCode(error: Error): Error {
  const { code } = error as NodeJS.ErrnoException;
  if (code && !error.message.includes(code)) error.message = `${error.message} (${code})`;
  return error;
}
