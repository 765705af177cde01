/**
 * Two graded runs of the bundled demo answers, and reward-model rows for the first, written as
 * `report --input A --compare B --rewards R` reads them: for the Examples section's browser test and
 * its screenshot in docs/. The second run differs from the first in known places: one verdict
 * changed (demo-004, criterion 2), a judge failure (demo-007, criterion 0), an explanation that
 * tries to inject HTML (demo-009, criterion 4), demo-014 left out and a second, worse answer to
 * demo-001. The reward rows agree with every verdict but one (demo-011, criterion 1, at 0.9).
 */
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { GradedExample } from "../src/healthbench/schema.js";
import type { RewardOutputRow } from "../src/rm/reward-output.js";
import { projectRoot } from "./shared-data.js";

export const demoRows = (): GradedExample[] =>
  readFileSync(join(projectRoot, "data/demo/graded.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as GradedExample);

export const INJECTED = 'Nope </script><script>window.pwned=1</script><img src=x onerror="window.pwned=2">';
export const CHANGED_EXPLANATION = "It advises rechecking kidney function every 3 months.";

const find = (rows: GradedExample[], id: string) => rows.find((row) => row.prompt_id === id) as GradedExample;

function secondRun(demo: GradedExample[]): GradedExample[] {
  const rows = structuredClone(demo.filter((row) => row.prompt_id !== "demo-014"));
  find(rows, "demo-004").verdicts[2] = { criteria_met: true, explanation: CHANGED_EXPLANATION };
  find(rows, "demo-007").verdicts[0] = { criteria_met: null, explanation: "", failure: "the judge's answer was not JSON" };
  find(rows, "demo-009").verdicts[4] = { criteria_met: true, explanation: INJECTED };
  const again = structuredClone(find(demo, "demo-001"));
  again.completion = [{ role: "assistant", content: "Let him rest and see how he feels tomorrow." }];
  again.verdicts = again.verdicts.map((v, j) => ({ criteria_met: (again.rubrics[j]?.points ?? 0) < 0, explanation: v.explanation }));
  return [...rows, again];
}

const rewardRows = (demo: GradedExample[]): RewardOutputRow[] =>
  demo.map((row) => ({
    id: row.prompt_id,
    scores: { accuracy: 0.5 },
    reward: 0.5,
    criteria: row.verdicts.map((v, j) => (row.prompt_id === "demo-011" && j === 1 ? 0.9 : v.criteria_met ? 0.8 : 0.2)),
  }));

const jsonl = (rows: unknown[]) => `${rows.map((row) => JSON.stringify(row)).join("\n")}\n`;

/** Writes demo-a.jsonl, demo-b.jsonl and rewards.jsonl into `dir`; returns the `report` arguments that read them. */
export async function writeExampleRuns(dir: string): Promise<string[]> {
  const demo = demoRows();
  const [first, second, rewards] = ["demo-a.jsonl", "demo-b.jsonl", "rewards.jsonl"].map((f) => join(dir, f)) as [string, string, string];
  await writeFile(first, jsonl(demo));
  await writeFile(second, jsonl(secondRun(demo)));
  await writeFile(rewards, jsonl(rewardRows(demo)));
  return ["--input", first, "--compare", second, "--rewards", rewards];
}
