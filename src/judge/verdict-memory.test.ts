/** The hybrid's memory over a real SQLite store: other answers' verdicts on a criterion, weighed by closeness; this answer's own verdict as exact. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/temp-dir.js";
import type { Encoder } from "../core/types.js";
import { openSqliteStore } from "../store/sqlite-store.js";
import { type AnswerToGrade, verdictKeys } from "./verdict-key.js";
import { createVerdictMemory } from "./verdict-memory.js";

const judge = { id: "grader@t0", promptVersion: "v1" };
const prompt = [{ role: "user" as const, content: "Chest pain, what now?" }];
const rubrics = [
  { criterion: "Advises calling emergency services.", points: 8 },
  { criterion: "Mentions aspirin.", points: 3 },
];
const answer = (text: string): AnswerToGrade => ({ promptId: null, prompt, rubrics, completion: [{ role: "assistant", content: text }] });

/** Texts placed by hand: "same" and "near" share 0.8 of their direction, "far" none. */
const VECTORS: Record<string, number[]> = { same: [1, 0, 0], near: [0.8, 0.6, 0], far: [0, 0, 1], new: [1, 0, 0] };
const encoder: Encoder = { id: "fixed", dim: 3, embed: async (texts) => texts.map((t) => Float32Array.from(VECTORS[t] ?? [0, 1, 0])) };

describe("createVerdictMemory", () => {
  it("weighs each recorded verdict of the criterion by exp(sharpness * (cos - 1)) and returns the answer's own verdict as exact", async () => {
    const store = openSqliteStore(join(await tempDir(), "store.sqlite"));
    const run = await store.startRun("t", { kind: "serve", config: {}, dataHash: "", judgeModel: "grader", promptVersion: "v1" });
    const judged: [string, boolean][] = [
      ["same", true],
      ["near", false],
      ["far", true],
    ];
    await store.saveVerdicts(
      judged.map(([text, met]) => {
        const keys = verdictKeys(judge, answer(text));
        const item = rubrics[0] as (typeof rubrics)[number];
        return {
          record: { runId: run.id, exampleKey: keys.answerKey(), itemIndex: 0, cacheKey: keys.cacheKey(item) },
          subject: keys.subject(item),
          verdict: { criteria_met: met, explanation: "" },
          model: { judgeModel: "grader", promptVersion: "v1" },
          tokens: { promptTokens: 0, completionTokens: 0 },
        };
      }),
    );
    const memory = createVerdictMemory({ store, encoder, limit: 10, sharpness: 2, maxVectors: 10 });
    const ask = (text: string) => ({ keys: verdictKeys(judge, answer(text)), text, items: rubrics });
    const [fresh, known] = await memory.evidence([ask("new"), ask("same")]);
    const [w1, w08, w0] = [1, Math.exp(2 * (0.8 - 1)), Math.exp(-2)];
    expect(fresh?.[0]?.count).toBe(3);
    expect(fresh?.[0]?.exact).toBeUndefined();
    expect(fresh?.[0]?.met).toBeCloseTo(w1 + w0, 6);
    expect(fresh?.[0]?.weight).toBeCloseTo(w1 + w08 + w0, 6);
    // No verdict on the second criterion yet.
    expect(fresh?.[1]).toEqual({
      key: verdictKeys(judge, answer("new")).criterionKey(rubrics[1] as (typeof rubrics)[number]),
      met: 0,
      weight: 0,
      count: 0,
    });
    // Every answer to the prompt finds a criterion's verdicts under one key.
    expect(fresh?.[0]?.key).toBe(known?.[0]?.key);
    // "same" was judged itself: its verdict is exact, the other two are evidence.
    expect(known?.[0]?.exact).toBe(true);
    expect(known?.[0]?.count).toBe(2);
    expect(known?.[0]?.weight).toBeCloseTo(w08 + w0, 6);
    await store.close();
  });
});
