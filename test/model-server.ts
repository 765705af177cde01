/**
 * A small trained model and `medrubric serve` processes for end-to-end tests: the model is
 * trained through the real CLI over the stand-in's embeddings (fast), and a server is started
 * on a free port, ready once its workers print their "listening on" lines.
 */
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { inject } from "vitest";
import { builtCli } from "./built-cli.js";
import { onOtherHost } from "./other-host.js";
import { runCli, spawnCli } from "./run-cli.js";
import { type CommandOptions, spawnCommand } from "./run-command.js";
import { projectRoot } from "./shared-data.js";

export interface TrainedFixture {
  model: string;
  store: string;
  encoder: string;
}

export async function trainFixtureModel(dir: string, standinUrl: string, epochs = 2): Promise<TrainedFixture> {
  const fixture = { model: join(dir, "model"), store: join(dir, "store.sqlite"), encoder: `openai:${standinUrl}#embedder` };
  const args = ["train", "--units", "data/seed/units.jsonl", "--out", fixture.model, "--encoder", fixture.encoder];
  const train = await runCli([...args, "--store", fixture.store, "--epochs", String(epochs)]);
  if (train.code !== 0) throw new Error(`train failed: ${train.stderr}`);
  return fixture;
}

/**
 * The fixture model the serving tests share (`trainFixtureModel` on the global setup's stand-in,
 * 2 epochs), trained once per test run by the first file that asks, the others waiting for it.
 * Each caller gets its own copy of the store (embedding cache) in `dir`, so servers of different
 * files never write one SQLite file at once; the model directory is read only.
 */
export async function sharedFixtureModel(dir: string): Promise<TrainedFixture> {
  const root = inject("fixtureModelDir");
  const ready = join(root, "ready");
  const failed = join(root, "failed");
  const trained = {
    model: join(root, "model"),
    store: join(root, "store.sqlite"),
    encoder: `openai:${inject("fixtureEmbeddingsUrl")}#embedder`,
  };
  const claimed = await mkdir(join(root, "training")).then(
    () => true,
    () => false,
  );
  if (claimed) {
    await trainFixtureModel(root, inject("fixtureEmbeddingsUrl")).catch(async (error: Error) => {
      await writeFile(failed, error.message);
      throw error;
    });
    await writeFile(ready, "");
  }
  for (const started = Date.now(); ; await delay(200)) {
    const failure = await readFile(failed, "utf8").catch(() => undefined);
    if (failure !== undefined) throw new Error(`the shared fixture model failed to train: ${failure}`);
    if (
      await readFile(ready).then(
        () => true,
        () => false,
      )
    )
      break;
    if (Date.now() - started > 120_000) throw new Error("the shared fixture model was not trained within 120 s");
  }
  const store = join(dir, "store.sqlite");
  await copyFile(trained.store, store);
  return { ...trained, store };
}

/** Resolves once every worker (`--workers N`, default 1) has printed its "listening on" line. */
export const startServe = (fixture: Omit<TrainedFixture, "encoder">, extra: string[] = [], options: CommandOptions = {}) =>
  startServeWith(["--model", fixture.model, "--store", fixture.store, ...extra], options);

/** `medrubric serve --port 0` with these flags (a model, a judge, or both), once it listens; `hostname` runs it as on another machine (other-host.ts). */
export async function startServeWith(extra: string[], options: CommandOptions & { hostname?: string } = {}) {
  const args = ["serve", "--port", "0", ...extra];
  const running = options.hostname
    ? spawnCommand(...onOtherHost(options.hostname, process.execPath, [builtCli, ...args]), { cwd: projectRoot, ...options })
    : spawnCli(args, options);
  const workers = Number(extra[extra.indexOf("--workers") + 1]) || 1;
  const url = await new Promise<string>((resolve, reject) => {
    let seen = "";
    running.child.stdout?.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      const matches = [...seen.matchAll(/listening on (http:\/\/\S+)/g)];
      if (matches.length >= workers) resolve(matches[0]?.[1] as string);
    });
    void running.result.then((r) => reject(new Error(`serve exited: ${r.stderr}`)));
  });
  return { ...running, url };
}
