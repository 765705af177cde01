/**
 * Runs the reward app on Node's HTTP server and stops it gracefully. On SIGTERM or SIGINT it
 * drains: it stops accepting connections at once; every answer from then on says
 * `Connection: close`, so a keep-alive client takes its next request elsewhere instead of keeping
 * the server busy forever; a connection idle since before the signal is closed after a grace, so
 * that a request already on its way on it is served, not reset; and whatever still runs at the
 * drain deadline is cut, so the process always exits in bounded time.
 */
import type { Server } from "node:http";
import { type AddressInfo, Server as NetServer } from "node:net";
import { createAdaptorServer, type HttpBindings } from "@hono/node-server";
import type { Hono } from "hono";
import { ConfigError, type MedrubricError, UsageError } from "../core/errors.js";

export interface RunningServer {
  url: string;
  /** Closes now: idle connections at once, busy ones after their answer. */
  close(): Promise<void>;
  /** Stops accepting and resolves once every connection has closed (0) or, at `drainMs`, cuts the rest and resolves with their count. */
  drain(drainMs: number): Promise<number>;
}

/** How long a connection idle when the drain starts may still bring a request (a second: loopback or LAN latency, with room). */
const IDLE_GRACE_MS = 1000;

/** A bind failure as the one-line, typed error the CLI turns into its exit code. */
export function listenError(error: NodeJS.ErrnoException, host: string, port: number): MedrubricError {
  const where = `${host}:${port}`;
  switch (error.code) {
    case "EADDRINUSE":
      return new ConfigError(`--port ${port}: ${where} is already in use (another server?); stop it or choose another --port`);
    case "EACCES":
      return new ConfigError(`--port ${port}: not allowed to listen on ${where} (ports below 1024 need privileges)`);
    case "EADDRNOTAVAIL":
      return new UsageError(`--host ${host}: not an address of this machine`);
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
      return new UsageError(`--host ${host}: not an IP address or a host name that resolves (${error.code})`);
    case "ERR_SOCKET_BAD_PORT":
      return new UsageError(`--port ${port}: expected an integer from 0 to 65535`);
    default:
      return new ConfigError(`cannot listen on ${where}: ${error.code ?? error.message}`);
  }
}

export function listen(app: Hono<{ Bindings: HttpBindings }>, host: string, port: number): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = createAdaptorServer({ fetch: app.fetch }) as Server;
    // Without a listener a bind failure is an unhandled 'error' event: a stack trace and exit 1.
    server.once("error", (error) => reject(listenError(error, host, port)));
    const onListening = () => {
      const info = server.address() as AddressInfo;
      const shown = info.family === "IPv6" ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${shown}:${info.port}`,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            // Idle keep-alive sockets would hold close() open; busy ones finish their request first.
            server.closeIdleConnections();
          }),
        drain: (drainMs) => drain(server, drainMs),
      });
    };
    try {
      server.listen(port, host, onListening);
    } catch (error) {
      // A port out of range is thrown, not emitted.
      reject(listenError(error as NodeJS.ErrnoException, host, port));
    }
  });
}

async function drain(server: Server, drainMs: number): Promise<number> {
  // http.Server's close() would also close the idle connections at once, resetting a request
  // already on its way on one; net.Server's only stops accepting.
  const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
  const timers: NodeJS.Timeout[] = [];
  const after = (ms: number) => new Promise<void>((resolve) => timers.push(setTimeout(resolve, ms)));
  // Answers since the drain began close their connections; only those idle before it are left.
  void after(Math.min(IDLE_GRACE_MS, drainMs)).then(() => server.closeIdleConnections());
  const outcome = await Promise.race([closed.then(() => "closed" as const), after(drainMs).then(() => "deadline" as const)]);
  for (const timer of timers) clearTimeout(timer);
  if (outcome === "closed") return 0;
  const open = await new Promise<number>((resolve) => server.getConnections((_error, count) => resolve(count)));
  server.closeAllConnections();
  await closed;
  return open;
}

export interface DrainOptions {
  /** The longest the drain may take (--drain-timeout-ms). */
  drainMs: number;
  /** How long to wait before answers say `Connection: close` (see serve.ts: workers of a cluster). */
  settleMs: number;
  /** Called when answers should start saying `Connection: close`. */
  onDraining(): void;
}

/** Drains the server on SIGTERM or SIGINT; resolves with the number of connections cut at the deadline. */
export function drainOnSignals(server: RunningServer, options: DrainOptions): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = () => {
      // Ctrl-C reaches a worker twice (SIGINT from the terminal, SIGTERM from the primary): drain once.
      if (stopping) return;
      stopping = true;
      process.stderr.write(`medrubric serve: shutting down, finishing requests in flight (at most ${options.drainMs} ms)\n`);
      setTimeout(options.onDraining, options.settleMs).unref();
      void server.drain(options.drainMs).then(resolve);
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
}
