/**
 * A real Postgres server for the tests and benchmarks: Debian's binaries (initdb, postgres) run in
 * a fresh temporary folder, listening on a free port of 127.0.0.1 and on a unix socket inside
 * that folder, with trust authentication for the user `medrubric` and fsync off (a test server
 * loses nothing it must keep; a benchmark asks for the durable defaults). initdb refuses to run as root, so under root both run as the
 * `postgres` user the package creates, owning the folder. Each test gets its own database
 * (`createDatabase`), so tests never see each other's rows.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chown, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";

/** Where Debian's postgresql package puts the server; MEDRUBRIC_POSTGRES_BIN points elsewhere. */
export const POSTGRES_BIN = process.env.MEDRUBRIC_POSTGRES_BIN ?? "/usr/lib/postgresql/15/bin";
const USER = "medrubric";
const READY_TIMEOUT_MS = 30_000;

export interface PostgresServer {
  /** postgres://medrubric@127.0.0.1:PORT/postgres, the maintenance database. */
  readonly url: string;
  stop(): Promise<void>;
}

/** Why the server cannot be started here, or undefined when it can. */
export function postgresMissing(): string | undefined {
  for (const binary of ["initdb", "postgres"])
    if (!existsSync(join(POSTGRES_BIN, binary))) return `${join(POSTGRES_BIN, binary)} is missing (Debian's postgresql package)`;
  if (process.getuid?.() === 0 && spawnSync("id", ["-u", "postgres"]).status !== 0)
    return "running as root and there is no `postgres` user";
  return undefined;
}

/** The command line that runs `binary` as the postgres user when this process is root. */
function asServerUser(binary: string, args: string[]): [string, string[]] {
  const path = join(POSTGRES_BIN, binary);
  return process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", path, ...args]] : [path, args];
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function ownByServerUser(dir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const id = (flag: string) => Number(spawnSync("id", [flag, "postgres"], { encoding: "utf8" }).stdout.trim());
  await chown(dir, id("-u"), id("-g"));
}

export interface PostgresServerOptions {
  maxConnections?: number;
  /** Keep Postgres's durable defaults (fsync, synchronous commits), as a benchmark of a deployment needs; tests run without. */
  durable?: boolean;
}

export async function startPostgresServer(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  const dir = await mkdtemp(join(tmpdir(), "medrubric-postgres-"));
  const data = join(dir, "data");
  const socket = join(dir, "socket");
  await mkdir(socket);
  await Promise.all([ownByServerUser(dir), ownByServerUser(socket)]);
  const [initdb, initArgs] = asServerUser("initdb", ["-D", data, "-U", USER, "--auth=trust", "--no-sync", "-E", "UTF8"]);
  const init = spawnSync(initdb, initArgs, { encoding: "utf8" });
  if (init.status !== 0) throw new Error(`initdb failed (${init.status}): ${init.stderr.trim()}`);
  const port = await freePort();
  const [postgres, args] = asServerUser("postgres", [
    ...["-D", data, "-p", String(port), "-k", socket],
    ...["-c", "listen_addresses=127.0.0.1", "-c", `max_connections=${options.maxConnections ?? 300}`],
    ...(options.durable ? [] : ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]),
  ]);
  const child = spawn(postgres, args, { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr.on("data", (chunk) => {
    log = (log + chunk).slice(-4000);
  });
  const url = `postgres://${USER}@127.0.0.1:${port}/postgres`;
  const stop = async () => {
    // The postmaster's own pid (runuser may stand between): SIGINT is Postgres's fast shutdown.
    const pid = Number((await readFile(join(data, "postmaster.pid"), "utf8").catch(() => "")).split("\n")[0]);
    if (pid > 0) process.kill(pid, "SIGINT");
    if (child.exitCode === null) await new Promise((resolve) => child.once("exit", resolve));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(url, () => child.exitCode !== null);
  } catch (error) {
    await stop().catch(() => {});
    throw new Error(`postgres did not start: ${(error as Error).message}\n${log}`);
  }
  return { url, stop };
}

async function waitUntilReady(url: string, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => {});
      if (exited() || Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

let databases = 0;

/** A new, empty database on the server at `serverUrl`; its URL (medrubric's parameters may be appended). */
export async function createDatabase(serverUrl: string): Promise<string> {
  const name = `t${process.pid}_${Date.now().toString(36)}_${databases++}`;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
