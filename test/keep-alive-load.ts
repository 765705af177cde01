/**
 * Keep-alive load for shutdown tests: `clients` connections, each sending POSTs back to back on
 * its own kept-alive socket (reconnecting when the server closes it) until the server refuses
 * new connections. Every outcome is counted: a status, a refused connection (never accepted, so
 * nothing lost), or a request lost on an accepted connection (reset, hung up).
 */
import { Agent, request } from "node:http";

export interface LoadOutcome {
  statuses: Record<number, number>;
  refused: number;
  /** Requests sent on an accepted connection that got no answer, by error code. */
  lost: Record<string, number>;
  /** How many answers said `Connection: close`. */
  closeHeaders: number;
}

function post(agent: Agent, url: URL, path: string, body: string): Promise<{ status: number; close: boolean } | { error: string }> {
  return new Promise((resolve) => {
    const req = request(
      { host: url.hostname, port: url.port, path, method: "POST", agent, headers: { "content-type": "application/json" } },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, close: res.headers.connection === "close" }));
        res.on("error", (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
      },
    );
    req.on("error", (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end(body);
  });
}

/** Starts the load; `stop()` ends it early, and `done` settles once every client has stopped. */
export function keepAliveLoad(baseUrl: string, options: { clients: number; path: string; body: () => string }) {
  const url = new URL(baseUrl);
  const outcome: LoadOutcome = { statuses: {}, refused: 0, lost: {}, closeHeaders: 0 };
  let stopped = false;
  const client = async () => {
    // One socket per client, kept alive: what a trainer's HTTP pool does.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    while (!stopped) {
      const result = await post(agent, url, options.path, options.body());
      if ("status" in result) {
        outcome.statuses[result.status] = (outcome.statuses[result.status] ?? 0) + 1;
        if (result.close) outcome.closeHeaders++;
      } else if (result.error === "ECONNREFUSED") {
        outcome.refused++;
        break;
      } else outcome.lost[result.error] = (outcome.lost[result.error] ?? 0) + 1;
    }
    agent.destroy();
  };
  const done = Promise.all(Array.from({ length: options.clients }, client)).then(() => outcome);
  return {
    done,
    stop: () => {
      stopped = true;
    },
  };
}
