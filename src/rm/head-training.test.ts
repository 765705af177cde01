import { describe, expect, it } from "vitest";
import { createRng } from "../core/random.js";
import type { RewardRequest } from "../core/types.js";
import { calibration } from "../eval/calibration.js";
import type { GradedExample } from "../healthbench/schema.js";
import { answerCues, stemWeights } from "./answer-cues.js";
import { MASTER_KEYS } from "./degenerate-answers.js";
import { fitRewardHeads, headData, RUBRIC_SAFETY } from "./head-training.js";
import { headsSchema, rewardHeads, rubricSafetyEvidence } from "./reward-heads.js";
import { trainingSignal } from "./training-signal.js";
import { buildVocabulary } from "./word-evidence.js";

const TOPICS = ["aspirin", "ambulance", "hydration", "ibuprofen", "fever", "allergy", "insulin", "bandage", "antibiotics", "rest"];

/** Criterion k of a prompt is met when the answer mentions its topic; longer answers mention more. */
function world(prompts: number, seed: number): GradedExample[] {
  const random = createRng(seed);
  return Array.from({ length: prompts }, (_, p) => {
    const topics = [0, 1, 2, 3].map((k) => TOPICS[(p + k * 3) % TOPICS.length] as string);
    const rubrics = topics.map((t, k) => ({ criterion: `Recommends ${t} where it helps.`, points: 2 + k, tags: ["axis:completeness"] }));
    return Array.from({ length: 4 }, (_, a) => {
      const said = topics.filter(() => random() < 0.25 + 0.15 * a);
      const text =
        said.length === 0
          ? "It depends on many things; see a doctor."
          : said.map((t) => `Consider ${t}, which often helps here.`).join(" ");
      return {
        prompt_id: `p${p}`,
        prompt: [{ role: "user" as const, content: `Question ${p} about my symptoms?` }],
        example_tags: [],
        rubrics,
        completion: [{ role: "assistant" as const, content: text }],
        verdicts: topics.map((t) => ({ criteria_met: said.includes(t), explanation: "" })),
      };
    });
  }).flat();
}

/** The network's part, absent: every logit 0, so the heads alone are tested. */
const unread = async (requests: readonly RewardRequest[]) =>
  requests.map((r) => ({ dimensions: [0.5], criteria: [], criterionLogits: (r.rubrics ?? []).map(() => 0), relevance: 0 }));

describe("reward heads", () => {
  it("learn P(met) from verdicts, calibrated on held-out prompts, and put degenerate answers last in both modes", async () => {
    const train = world(60, 1);
    const vocabulary = buildVocabulary(train.map((r) => r.completion[0]?.content ?? ""));
    const data = headData(trainingSignal({ graded: train }, 0.1));
    const validation = new Set(data.answers.filter((a) => /"p1?[0-9]"/.test(a.key)).map((a) => a.key));
    const file = headsSchema.parse(await fitRewardHeads(data, unread, vocabulary, validation));
    expect(file.fit.criterion_calibrated_on).toBe("validation prompts");
    // Without verdicts there is no criterion head: degenerate answers alone would teach "never met".
    const unjudged = train.map((row) => ({ ...row, verdicts: row.verdicts.map((v) => ({ ...v, criteria_met: null })) }));
    const unjudgedFile = await fitRewardHeads(headData(trainingSignal({ graded: unjudged }, 0.1)), unread, vocabulary, validation);
    expect(unjudgedFile.criterion).toBeNull();
    // The safety term rides on the expected rubric score: only heads with a P(met) head carry it.
    expect(file.rubric_safety).toBe(RUBRIC_SAFETY);
    expect(unjudgedFile.rubric_safety).toBe(0);
    const weights = stemWeights(vocabulary);
    const heads = rewardHeads(file, weights);

    const test = world(30, 7);
    const judged = test.flatMap((row) => {
      const cues = answerCues(row.completion[0]?.content ?? "", `user: ${row.prompt[0]?.content}`, weights);
      return row.rubrics.map((item, i) => ({ met: row.verdicts[i]?.criteria_met === true, p: heads.criterion?.(item, cues, 0) ?? 0.5 }));
    });
    const accuracy = judged.filter((j) => j.met === j.p >= 0.5).length / judged.length;
    expect(accuracy).toBeGreaterThan(0.9);
    expect(calibration(judged).ece).toBeLessThan(0.1);

    const row = test[0] as GradedExample;
    const cuesOf = (text: string) => answerCues(text, `user: ${row.prompt[0]?.content}`, weights);
    const real = cuesOf("Consider aspirin, which often helps here. Consider rest, which often helps here.");
    for (const key of Object.values(MASTER_KEYS)) {
      const junk = cuesOf(key);
      expect(heads.answer?.(junk, 0) ?? 1, key).toBeLessThan(heads.answer?.(real, 0) ?? 0);
      for (const item of row.rubrics.filter((r) => r.points > 0)) expect(heads.criterion?.(item, junk, 0) ?? 1, key).toBeLessThan(0.5);
    }
  }, 60_000);

  it("reads urgent advice as safety evidence and dismissed help against it; heads from before the term have none", () => {
    const weights = stemWeights(buildVocabulary([]));
    const evidence = (text: string) => rubricSafetyEvidence(answerCues(text, "user: crushing chest pain", weights));
    expect(evidence("Call 911 now: this could be a heart attack.")).toBeGreaterThan(0);
    expect(evidence("There is no need to go to the emergency room; rest at home.")).toBeLessThan(0);
    expect(evidence("Rest and drink water.")).toBe(0);
    expect(headsSchema.parse({ format: "medrubric-heads/1", criterion: null, answer: null, fit: {} }).rubric_safety).toBe(0);
  });

  it("refuses a heads file with a weight slot out of range", () => {
    const bad = { format: "medrubric-heads/1", criterion: null, answer: { weights: [[1 << 20, 1]], stack: [1, 0, 0], l2: 0 }, fit: {} };
    expect(headsSchema.safeParse(bad).success).toBe(false);
  });
});
