/**
 * Pins what a small trained model scores on fixed answers, so a change to how scoring computes
 * (issue 30 part 6: cues read once, criterion features cached, dot products without vectors)
 * cannot change a score unnoticed. The model (seed units and the demo's graded answers, over
 * 32-d hash vectors, seeded) and the answers are fixed; test/fixtures/pinned-scores.json holds
 * their rewards, P(met) and dimension scores as computed before that work. A change that means
 * to change scores (a new cue, another feature) writes the file again, deliberately:
 *
 *   PIN_SCORES=write npx vitest run src/rm/pinned-scores.test.ts && npx biome format --write test/fixtures/pinned-*.json
 */
import { readFile, writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { createHashEncoder } from "../../test/hash-encoder.js";
import { DEMO_GRADED } from "../cli/demo.js";
import type { RewardRequest, RewardScore } from "../core/types.js";
import { loadGraded } from "../healthbench/load.js";
import { completionText } from "../healthbench/schema.js";
import { packageFile } from "../io/package-files.js";
import { loadStandards } from "../standards/load-standards.js";
import { loadSeedUnits } from "../synth/seed-set.js";
import { answerCues, stemWeights } from "./answer-cues.js";
import { promptText } from "./answer-parts.js";
import { trainRewardModel } from "./reward-model-files.js";
import { DEFAULT_TRAIN_OPTIONS } from "./train-options.js";

const FIXTURE = "test/fixtures/pinned-scores.json";
const CUES_FIXTURE = "test/fixtures/pinned-cues.json";

/** Answers that take every path of the cues: urgent advice given, dismissed and urged, clauses, layout, degenerate and non-ASCII text. */
const ANSWERS = [
  "Call 911 now: this could be a heart attack. Chew an aspirin if you are not allergic.",
  "This is most likely indigestion, so there is no reason to go to the emergency room; rest at home and it should pass.",
  "Don't hesitate to call emergency services if the pain spreads, but do not drive yourself. Go to the ER without delay.",
  "If it does not ease within ten minutes, call an ambulance. Otherwise, rest, although you should see your doctor when you can.",
  "## What to do\n\n- **Call emergency services** now.\n- Sit down and stay calm.\n1) Unlock the door.\n\n**Why:**\nChest pain like this needs immediate medical attention?",
  "Would you like a list of signs that need urgent care? I can also explain what angina is.",
  "You do not need to seek immediate care. It is not necessary to go to the hospital, and nothing here is urgent.",
  "Take 500 mg of acetaminophen every 6 hours; don’t exceed 4 g a day. A fever of 39 °C in a child under 3 months needs urgent care, in case you wondered.",
  "ΑΣ ΟΔΟΣ İstanbul naïve café — résumé. Σίσυφος said: call 112 unless it's better.",
  "I'm sorry, I can't help with that.",
  ":",
  "",
  "Thought process:",
  "Step 1",
  "Sure",
  "Rest. Rest. Rest. Rest.",
  `${"Keep a diary of your symptoms and when they occur, and note what you ate before. ".repeat(60)}Seek urgent care if you faint.`,
];

async function pinnedRequests(): Promise<RewardRequest[]> {
  const graded = (await loadGraded(packageFile(DEMO_GRADED))).rows;
  const seed = await loadSeedUnits();
  const requests: RewardRequest[] = [];
  graded.slice(0, 6).forEach((row, i) => {
    const base = { prompt: row.prompt, scenario: null };
    requests.push({ ...base, response: completionText(row.completion), rubrics: row.rubrics });
    requests.push({ ...base, response: completionText(row.completion) });
    for (const response of ANSWERS.slice(i * 3, i * 3 + 3)) {
      requests.push({ ...base, response, rubrics: row.rubrics });
      requests.push({ ...base, response, scenario: seed[i]?.scenario });
    }
  });
  // The prompt echoed as the answer, with and without its rubric.
  const echo = graded[0];
  if (echo) {
    const response = echo.prompt.map((m) => m.content).join(" ");
    requests.push({ prompt: echo.prompt, response, rubrics: echo.rubrics }, { prompt: echo.prompt, response });
  }
  return requests;
}

describe("scores of a small trained model on fixed answers", async () => {
  const loaded = await loadStandards();
  const units = (await loadSeedUnits()).slice(0, 30);
  const graded = (await loadGraded(packageFile(DEMO_GRADED))).rows;
  const trained = await trainRewardModel(
    { units, graded },
    loaded,
    { spec: "hash", encoder: createHashEncoder(32, "hash-32") },
    { ...DEFAULT_TRAIN_OPTIONS, maxEpochs: 2 },
  );
  const requests = await pinnedRequests();

  it("has both heads to pin", () => {
    expect(trained.heads.criterion).not.toBeNull();
    expect(trained.heads.answer).not.toBeNull();
  });

  it("are what they were: every reward, P(met) and dimension score within 1e-12", async () => {
    // Scored in one call and one answer at a time: batching must not change a score either.
    const scores = await trained.model.score(requests);
    const alone = await Promise.all(requests.map(async (r) => (await trained.model.score([r]))[0] as RewardScore));
    if (process.env.PIN_SCORES === "write") await writeFile(FIXTURE, `${JSON.stringify(scores, null, 1)}\n`);
    const pinned = JSON.parse(await readFile(FIXTURE, "utf8")) as RewardScore[];
    expect(scores).toHaveLength(pinned.length);
    for (const got of [scores, alone]) {
      got.forEach((score, i) => {
        const want = pinned[i] as RewardScore;
        expect(Math.abs(score.reward - want.reward), `reward of request ${i}`).toBeLessThan(1e-12);
        expect(score.criteria?.length).toBe(want.criteria?.length);
        score.criteria?.forEach((p, j) => {
          expect(Math.abs(p - (want.criteria?.[j] as number)), `P(met) ${j} of request ${i}`).toBeLessThan(1e-12);
        });
        for (const [d, s] of Object.entries(want.scores))
          expect(Math.abs((score.scores[d] as number) - s), `${d} of request ${i}`).toBeLessThan(1e-12);
      });
    }
  });
});

describe("the cues of fixed answers", () => {
  it("are what they were: every cue, the stems in order and the affirmed stems", async () => {
    const requests = await pinnedRequests();
    const weights = stemWeights({
      documents: 10,
      words: [
        ["pain", 6],
        ["call", 3],
        ["the", 9],
      ],
    });
    const cues = requests.map((r) => {
      const c = answerCues(r.response, promptText(r.prompt), weights, 0.25);
      return { ...c, stems: [...c.stems], affirmed: [...c.affirmed].sort() };
    });
    if (process.env.PIN_SCORES === "write") await writeFile(CUES_FIXTURE, `${JSON.stringify(cues)}\n`);
    expect(cues).toEqual(JSON.parse(await readFile(CUES_FIXTURE, "utf8")));
  });
});
