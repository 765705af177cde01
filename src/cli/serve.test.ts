import { mkdtemp, rm } from "node:fs/promises";
import { get } from "node:http";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keepAliveLoad } from "../../test/keep-alive-load.js";
import { startServe, type TrainedFixture, trainFixtureModel } from "../../test/model-server.js";
import { type Standin, startStandin } from "../../test/openai-standin.js";
import { runCli } from "../../test/run-cli.js";

let standin: Standin;
let dir: string;
let fixture: TrainedFixture;
beforeAll(async () => {
  standin = await startStandin({ embeddingDim: 16 });
  dir = await mkdtemp(join(tmpdir(), "medrubric-serve-"));
  fixture = await trainFixtureModel(dir, standin.url);
  // Training outlasts vitest's 10 s hook default when the whole suite shares this 2-core machine.
}, 60_000);
afterAll(async () => {
  await standin.close();
  await rm(dir, { recursive: true, force: true });
});

const serve = (extra: string[] = [], env: NodeJS.ProcessEnv = {}) => startServe(fixture, extra, { env });

const score = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/score`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ prompt: [{ role: "user", content: `question ${Math.random()}` }], responses: ["an answer"] }),
  });

describe("medrubric serve", () => {
  it("binds 127.0.0.1, checks the API key from the environment, and finishes requests in flight on SIGTERM", async () => {
    const server = await serve(["--api-key-env", "RM_KEY"], { RM_KEY: "k3y" });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await score(server.url)).status).toBe(401);
    expect((await score(server.url, { authorization: "Bearer k3y" })).status).toBe(200);
    standin.configure({ latencyMs: 400 });
    const embeddingsAsked = standin.requests.length;
    const inFlight = score(server.url, { authorization: "Bearer k3y" });
    // SIGTERM only once the server is busy with the request (it is asking the stand-in for embeddings).
    while (standin.requests.length === embeddingsAsked) await new Promise((resolve) => setTimeout(resolve, 10));
    server.child.kill("SIGTERM");
    const response = await inFlight;
    standin.configure({ latencyMs: 0 });
    expect(response.status).toBe(200);
    expect((await server.result).code).toBe(0);
  });

  it.each([[[]], [["--workers", "2"]]])(
    "drains on SIGTERM under keep-alive load: Connection: close, no accepted request lost, exit 0 in bounded time (%j)",
    async (extra) => {
      const server = await serve([...extra, "--drain-timeout-ms", "5000"]);
      const load = keepAliveLoad(server.url, {
        clients: 20,
        path: "/v1/score",
        body: () => JSON.stringify({ prompt: [{ role: "user", content: `question ${Math.random()}` }], responses: ["an answer"] }),
      });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const signalled = performance.now();
      server.child.kill("SIGTERM");
      const { code } = await server.result;
      const took = performance.now() - signalled;
      const outcome = await load.done;
      expect({ code, lost: outcome.lost, refused: outcome.refused }).toEqual({ code: 0, lost: {}, refused: 20 });
      expect(Object.keys(outcome.statuses)).toEqual(["200"]);
      expect(outcome.statuses[200]).toBeGreaterThan(20);
      // Each kept-alive socket was told to go elsewhere rather than cut.
      expect(outcome.closeHeaders).toBeGreaterThan(0);
      expect(took).toBeLessThan(5000);
    },
  );

  it("cuts what is still in flight at --drain-timeout-ms, and says so with exit 75", async () => {
    const server = await serve(["--drain-timeout-ms", "300"]);
    standin.configure({ latencyMs: 3000 });
    const embeddingsAsked = standin.requests.length;
    const inFlight = score(server.url).catch((error: Error) => error);
    while (standin.requests.length === embeddingsAsked) await new Promise((resolve) => setTimeout(resolve, 10));
    const signalled = performance.now();
    server.child.kill("SIGTERM");
    const { code, stderr } = await server.result;
    standin.configure({ latencyMs: 0 });
    expect(code).toBe(75);
    expect(performance.now() - signalled).toBeLessThan(2500);
    expect(stderr).toContain("medrubric: --drain-timeout-ms 300: drain time over; cut 1 connections with requests in flight");
    expect(await inFlight).toBeInstanceOf(Error);
  });

  it("runs several workers on one port", async () => {
    const server = await serve(["--workers", "2"]);
    const pids = new Set<number>();
    // A new connection per request (no keep-alive), so the kernel spreads them over the workers.
    const health = () =>
      new Promise<number>((resolve, reject) => {
        get(`${server.url}/healthz`, { agent: false }, (res) => {
          let text = "";
          res.on("data", (chunk: Buffer) => {
            text += chunk.toString();
          });
          res.on("end", () => resolve(JSON.parse(text).pid));
        }).on("error", reject);
      });
    for (let i = 0; i < 40 && pids.size < 2; i++) pids.add(await health());
    expect(pids.size).toBe(2);
    server.child.kill("SIGTERM");
    expect((await server.result).code).toBe(0);
  });

  it("fails with the loading error of a model it cannot load, which happens in its scoring thread", async () => {
    const { code, stderr } = await runCli(["serve", "--model", join(dir, "no-such-model"), "--store", fixture.store, "--port", "0"]);
    expect(stderr).toContain(join(dir, "no-such-model"));
    expect(code).toBe(66);
  });

  it("refuses an API key variable that is not set", async () => {
    const { code, stderr } = await runCli([
      "serve",
      "--model",
      fixture.model,
      "--store",
      fixture.store,
      "--api-key-env",
      "NOT_SET_ANYWHERE",
    ]);
    expect(code).toBe(78);
    expect(stderr).toContain("NOT_SET_ANYWHERE is empty or unset");
  });

  describe("refuses to serve where it cannot listen, in one line with a sysexits code", () => {
    let taken: Server;
    let port: number;
    beforeAll(async () => {
      taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
      port = (taken.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));
    const refused = async (flags: string[]) => {
      const run = runCli(["serve", "--model", fixture.model, "--store", fixture.store, ...flags]);
      const { code, stderr } = await run;
      // No stack trace, and the error once, however many workers hit it.
      expect(stderr).not.toMatch(/\n\s+at /);
      expect(stderr.match(/^medrubric: .*$/gm)).toHaveLength(1);
      return { code, error: stderr.match(/^medrubric: .*$/m)?.[0] };
    };

    it.each([[[]], [["--workers", "2"]]])("a port in use (%j)", async (extra) => {
      expect(await refused(["--port", String(port), ...extra])).toEqual({
        code: 78,
        error: `medrubric: --port ${port}: 127.0.0.1:${port} is already in use (another server?); stop it or choose another --port`,
      });
    });

    it.each([[[]], [["--workers", "2"]]])("a host that is no address (%j)", async (extra) => {
      expect(await refused(["--host", "999.1.1.1", "--port", "0", ...extra])).toEqual({
        code: 64,
        error: "medrubric: --host 999.1.1.1: not an IP address or a host name that resolves (ENOTFOUND)",
      });
    });

    it("a port out of range, before loading anything", async () => {
      const { code, stderr } = await runCli(["serve", "--model", fixture.model, "--port", "70000"]);
      expect(code).toBe(64);
      expect(stderr).toContain("option '--port <n>' argument '70000' is invalid. expected an integer from 0 to 65,535");
    });
  });
});
