import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../test/run-cli.js";
import { tempDir } from "../../test/temp-dir.js";
import { EXIT_CODES } from "../core/errors.js";
import { sha256Hex } from "../core/hash.js";

const hospital = `sources:
  - id: st_mary
    title: St Mary's emergency protocols
    publisher: St Mary's Hospital
    version: "3.2"
    date: "2026-09-01"
dimensions:
  - id: escalation_protocol
    name: Follows the hospital escalation protocol
    description: Directs patients with red-flag symptoms to St Mary's emergency line before any other advice.
    examples: { good: ["Gives the emergency line first."], poor: ["Suggests waiting for a GP appointment."] }
    source: st_mary
scenarios:
${["emergency_referrals", "context_seeking", "global_health", "health_data_tasks", "communication", "hedging", "complex_responses", "chronic_disease_management", "medication_consultation", "pediatric_consultation", "emergency_triage", "post_treatment_follow_up", "mental_health_support", "preventive_care"].map((id) => `  - id: ${id}\n    weights: { escalation_protocol: ${id === "emergency_triage" ? 0.5 : 0} }`).join("\n")}
`;

describe("medrubric standards", () => {
  it("validates a hospital file on top of the built-in standard, with a merge report", async () => {
    const dir = await tempDir();
    const file = join(dir, "hospital.yaml");
    await writeFile(file, hospital);
    const { code, stdout } = await runCli(["standards", "validate", "builtin", file]);
    expect(code).toBe(0);
    expect(stdout).toContain(
      `${file}\n  added sources: st_mary\n  added dimensions: escalation_protocol\n  changed scenarios emergency_referrals: weights`,
    );
    expect(stdout).toMatch(/10 dimensions, 14 scenarios, 18 disciplines, 2 sources; sha256 [0-9a-f]{64}\n$/);
    const show = await runCli(["standards", "show", "builtin", file]);
    expect(show.stdout).toMatch(/emergency_triage\s+-\s+escalation_protocol 0\.5/);
  });

  it("names file, line and field when the hospital file leaves a scenario without a weight", async () => {
    const dir = await tempDir();
    const file = join(dir, "hospital.yaml");
    await writeFile(file, hospital.replace("  - id: preventive_care\n    weights: { escalation_protocol: 0 }", ""));
    const { code, stderr } = await runCli(["standards", "validate", "builtin", file]);
    expect(code).toBe(EXIT_CODES.input);
    expect(stderr).toMatch(/core\.yaml:\d+: scenarios\.preventive_care\.weights: no weight for dimension "escalation_protocol"/);
  });

  it("locks the canonical bundle and prints its sha256, the file's own, last", async () => {
    const dir = await tempDir();
    const out = join(dir, "bundle.json");
    const { code, stdout } = await runCli(["standards", "lock", "--out", out]);
    expect(code).toBe(0);
    const hash = stdout.trim().split("\n").at(-1);
    expect(sha256Hex(readFileSync(out))).toBe(hash);
    expect(Object.keys(JSON.parse(readFileSync(out, "utf8"))).sort()).toEqual(["dimensions", "disciplines", "scenarios", "sources"]);
    const validate = await runCli(["standards", "validate"]);
    expect(validate.stdout).toContain(`9 dimensions, 14 scenarios, 18 disciplines, 1 source; sha256 ${hash}`);
  });

  it("reports the coverage of a data set as a table and as JSON", async () => {
    const data = "data/healthbench/context_seeking_consensus_hard_104.jsonl";
    const table = await runCli(["standards", "coverage", "--input", data]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^context_seeking( +\S+){18}$/m);
    const json = JSON.parse((await runCli(["standards", "coverage", "--input", data, "--json"])).stdout);
    expect(json.n_examples).toBe(104);
    expect(json.counts).toHaveLength(14);
    expect(json.by_dimension.context_awareness.flat().reduce((a: number, b: number) => a + b, 0)).toBeGreaterThan(0);
  });
});
