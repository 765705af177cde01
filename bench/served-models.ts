/**
 * The models the reward-server load test serves, by name, as the scoring thread loads them (a
 * loader module and its arguments), so the benchmark can load the very same model in process.
 * - hash: GPRC over hash vectors; the encoder costs nothing, so the server's own overhead shows.
 * - use-lite: GPRC over USE-lite, the offline default encoder: what `medrubric serve` runs.
 * - glove: GPRC over GloVe (`--encoder glove`), the fast offline encoder.
 * - constant: answers at once without computing anything: what the server itself costs.
 */
import type { LoadServedModel } from "../src/server/scoring-thread.js";

export const SERVED_MODELS = {
  hash: { loader: new URL("../test/hash-model.ts", import.meta.url), args: { dim: 512, epochs: 1 } },
  "use-lite": { loader: new URL("./encoder-model.ts", import.meta.url), args: { encoder: "use-lite", units: 24, epochs: 1 } },
  glove: { loader: new URL("./encoder-model.ts", import.meta.url), args: { encoder: "glove", units: 24, epochs: 1 } },
  constant: { loader: new URL("../test/misbehaving-model.ts", import.meta.url), args: { kind: "busy", ms: 0 } },
} as const;

export type ServedModelName = keyof typeof SERVED_MODELS;

export function servedModelName(name: string): ServedModelName {
  if (name in SERVED_MODELS) return name as ServedModelName;
  throw new Error(`unknown model ${JSON.stringify(name)}: expected ${Object.keys(SERVED_MODELS).join(" or ")}`);
}

/** Loads the named model in this thread, as the server's scoring thread does. */
export async function loadInProcess(name: ServedModelName) {
  const { loader, args } = SERVED_MODELS[name];
  const { loadServedModel } = (await import(loader.href)) as { loadServedModel: LoadServedModel<typeof args> };
  return loadServedModel(args);
}
