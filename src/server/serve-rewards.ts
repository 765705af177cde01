/**
 * Runs the reward app on Node's HTTP server and stops it gracefully: on SIGTERM or SIGINT it
 * stops accepting connections, lets the requests in flight finish (their batches included),
 * then exits.
 */
import type { AddressInfo } from "node:net";
import { type HttpBindings, serve } from "@hono/node-server";
import type { Hono } from "hono";

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export function listen(app: Hono<{ Bindings: HttpBindings }>, host: string, port: number): Promise<RunningServer> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info: AddressInfo) => {
      const shown = info.family === "IPv6" ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${shown}:${info.port}`,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            // Idle keep-alive sockets would hold close() open; busy ones finish their request first.
            (server as import("node:http").Server).closeIdleConnections?.();
          }),
      });
    });
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
