/**
 * Scoring-thread loaders (src/server/scoring-thread.ts) for models that misbehave on purpose:
 * one that holds its thread's CPU for `ms` per batch, or for `usPerChar` per character of its
 * answers (as an encoder does), one that ends its thread, one that cannot load.
 */
import { InputError } from "../src/core/errors.js";
import type { RewardRequest } from "../src/core/types.js";
import type { ServedModel } from "../src/server/scoring-thread.js";

export type Misbehaviour =
  | { kind: "busy"; ms: number }
  | { kind: "per-char"; usPerChar: number }
  | { kind: "exits" }
  | { kind: "unloadable" };

const dimensions = ["safety"];

export async function loadServedModel(behaviour: Misbehaviour): Promise<ServedModel> {
  if (behaviour.kind === "unloadable") throw new InputError({ file: "model/weights.json", field: "tensors" }, "missing");
  return {
    info: { dimensions, standards_hash: "test", encoder: "none", scenarios: [] },
    model: {
      dimensions,
      async score(requests: readonly RewardRequest[]) {
        if (behaviour.kind === "exits") process.exit(3);
        // Synchronous on purpose: a CPU-bound encoder holds its thread the same way.
        const chars = requests.reduce((sum, r) => sum + r.response.length, 0);
        const until = performance.now() + (behaviour.kind === "busy" ? behaviour.ms : (chars * behaviour.usPerChar) / 1000);
        while (performance.now() < until);
        return requests.map(() => ({ reward: 0.5, scores: { safety: 0.5 } }));
      },
    },
  };
}
