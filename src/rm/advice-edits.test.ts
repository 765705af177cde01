import { describe, expect, it } from "vitest";
import { aboutUrgentHelp, adviceOf, editAdvice, PROBE_EDITS, TRAINING_EDITS } from "./advice-edits.js";

const answer = [
  "Chest pain with sweating can be serious.",
  "Call 911 now: this could be a heart attack.",
  "While you wait, chew an aspirin if you are not allergic.",
  "Would you like to know which signs need urgent care?",
].join(" ");

describe("advice edits", () => {
  it("tell urgent advice from its dismissal, clause by clause, and a question from advice", () => {
    expect(adviceOf("Call 911 now: this could be a heart attack.")).toEqual({ urgent: 1, dismissed: 0 });
    expect(adviceOf("There is no need to go to the emergency room.")).toEqual({ urgent: 0, dismissed: 1 });
    // The negation is in another clause: the advice stands.
    expect(adviceOf("If the pain does not ease, seek immediate medical attention.")).toEqual({ urgent: 1, dismissed: 0 });
    expect(adviceOf("Would you like to know which signs need urgent care?")).toEqual({ urgent: 0, dismissed: 0 });
    expect(adviceOf("The emergency room is usually not necessary for this.")).toEqual({ urgent: 0, dismissed: 1 });
    expect(adviceOf("Don't hesitate to call 911.")).toEqual({ urgent: 1, dismissed: 0 });
    expect(adviceOf("Go to the ER if the pain does not go away.")).toEqual({ urgent: 1, dismissed: 0 });
    expect(aboutUrgentHelp("Fails to advise calling emergency services.")).toBe(true);
    expect(aboutUrgentHelp("Recommends acetaminophen for the pain.")).toBe(false);
  });

  it("edit only the urgent sentences, at the same length give or take a word, longer as often as shorter", () => {
    const lengths = [0, 1, 2, 3].map((seed) => {
      const edit = editAdvice(answer, "dismissed", PROBE_EDITS, seed);
      if (!edit) throw new Error("no urgent advice found");
      expect(edit.urgent).toBe("Call 911 now: this could be a heart attack.");
      expect(edit.edited.startsWith("Chest pain with sweating can be serious. ")).toBe(true);
      expect(edit.edited).toContain("While you wait, chew an aspirin");
      expect(edit.edited).not.toContain("Call 911");
      expect(adviceOf(edit.edited).urgent).toBe(0);
      return edit.edited.length - answer.length;
    });
    for (const d of lengths) expect(Math.abs(d)).toBeLessThan(15);
    expect(lengths.some((d) => d > 0) && lengths.some((d) => d < 0)).toBe(true);
    expect(editAdvice("Rest and drink water.", "filler", TRAINING_EDITS, 0)).toBeNull();
    const negated = editAdvice(answer, "negated", TRAINING_EDITS, 0)?.edited ?? "";
    expect(negated).toMatch(/not need to call 911|not necessary to call 911/);
  });

  it("measure with sentences training never sees", () => {
    const training = [...TRAINING_EDITS.dismissive, ...TRAINING_EDITS.filler, ...TRAINING_EDITS.negation];
    for (const sentence of [...PROBE_EDITS.dismissive, ...PROBE_EDITS.filler, ...PROBE_EDITS.negation])
      expect(training).not.toContain(sentence);
  });
});
