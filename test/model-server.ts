/**
 * A small trained model and `medrubric serve` processes for end-to-end tests: the model is
 * trained through the real CLI over the stand-in's embeddings (fast), and a server is started
 * on a free port, ready once its workers print their "listening on" lines.
 */
import { join } from "node:path";
import { runCli, spawnCli } from "./run-cli.js";
import type { CommandOptions } from "./run-command.js";

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

/** Resolves once every worker (`--workers N`, default 1) has printed its "listening on" line. */
export const startServe = (fixture: Omit<TrainedFixture, "encoder">, extra: string[] = [], options: CommandOptions = {}) =>
  startServeWith(["--model", fixture.model, "--store", fixture.store, ...extra], options);

/** `medrubric serve --port 0` with these flags (a model, a judge, or both), once it listens. */
export async function startServeWith(extra: string[], options: CommandOptions = {}) {
  const running = spawnCli(["serve", "--port", "0", ...extra], options);
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
