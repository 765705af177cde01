/**
 * Runs the reward app on Node's HTTP server and stops it gracefully: on SIGTERM or SIGINT it
 * stops accepting connections, lets the requests in flight finish (their batches included),
 * then exits.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer, type HttpBindings } from "@hono/node-server";
import type { Hono } from "hono";
import { ConfigError, type MedrubricError, UsageError } from "../core/errors.js";

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

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

export function closeOnSignals(server: RunningServer, onClosed: () => void): void {
  const stop = () => {
    process.stderr.write("medrubric serve: shutting down, finishing requests in flight\n");
    void server.close().then(onClosed);
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
