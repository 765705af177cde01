import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import {
  demoRows,
  type RecordedRow,
  recordedFile,
  recordedRows,
  replayJudge,
  replayRubricJudge,
  writeGradingInputs,
} from "../../test/judged-responses.js";
import { type Standin, startStandin } from "../../test/openai-standin.js";
import { readJsonlFile } from "../../test/read-jsonl-file.js";
import { runCli, spawnCli } from "../../test/run-cli.js";
import { needsRealData } from "../../test/shared-data.js";
import { tempDir } from "../../test/temp-dir.js";
import { EXIT_CODES } from "../core/errors.js";

let standin: Standin | undefined;
afterEach(async () => {
  await standin?.close();
  standin = undefined;
});

function gradeArgs(dir: string, inputs: { data: string; responses: string }, url: string, extra: string[] = []): string[] {
  return [
    "grade",
    "--input",
    inputs.responses,
    "--examples",
    inputs.data,
    "--judge-url",
    url,
    "--judge-model",
    "replay",
    "--out",
    join(dir, "graded.jsonl"),
    "--store",
    join(dir, "store.sqlite"),
    ...extra,
  ];
}

// Every run's scores are reproduced from its replayed verdicts: the bundled demo run in every
// checkout, the recorded HealthBench run (100 real answers) where it is present.
const replayedRuns: { name: string; rows: () => RecordedRow[]; skip: boolean }[] = [
  { name: "the bundled demo run", rows: () => demoRows(), skip: false },
  { name: `the recorded HealthBench run ${needsRealData("judged_responses.jsonl")}`, rows: () => recordedRows(), skip: !recordedFile },
];

/** The overall score as the table prints it: the mean example score clipped to [0, 1], 4 decimals. */
const overallOf = (rows: RecordedRow[]) => Math.min(1, Math.max(0, rows.reduce((sum, row) => sum + row.score, 0) / rows.length)).toFixed(4);

describe("medrubric grade --judge-style rubric", () => {
  it("grades each answer's criteria in one call, reproduces the scores, and never shares verdicts with the per-criterion style", async () => {
    const rows = demoRows();
    const dir = await tempDir();
    const inputs = await writeGradingInputs(rows, dir);
    const items = rows.reduce((n, row) => n + row.rubrics.length, 0);
    const most = Math.max(...rows.map((row) => row.rubrics.length));
    standin = await startStandin({ chat: replayRubricJudge(rows) });
    // One answer's criteria at a time in flight, all of them: one call per answer.
    const whole = await runCli(gradeArgs(dir, inputs, standin.url, ["--judge-style", "rubric", "--concurrency", String(most)]));
    expect(whole.code, whole.stderr).toBe(0);
    expect(standin.chatCalls()).toBeLessThan(items);
    expect(standin.chatCalls()).toBeGreaterThanOrEqual(rows.length);
    const graded = readJsonlFile(join(dir, "graded.jsonl"));
    expect(graded.map((row) => Number(row.score.toFixed(10)))).toEqual(rows.map((row) => row.score));
    const summary = JSON.parse(readFileSync(join(dir, "graded.summary.json"), "utf8"));
    await standin.close();
    standin = await startStandin({ chat: replayJudge(rows) });
    const each = await runCli(gradeArgs(dir, inputs, standin.url));
    expect(each.code, each.stderr).toBe(0);
    expect(standin.chatCalls()).toBe(items);
    expect(JSON.parse(readFileSync(join(dir, "graded.summary.json"), "utf8")).judge.prompt_version).not.toBe(summary.judge.prompt_version);
  });
});

describe("medrubric grade", () => {
  for (const run of replayedRuns)
    it.skipIf(run.skip)(
      `reproduces every score of ${run.name} from replayed verdicts, then reruns from cache`,
      async () => {
        const rows = run.rows();
        const dir = await tempDir();
        const inputs = await writeGradingInputs(rows, dir);
        standin = await startStandin({ chat: replayJudge(rows) });
        const items = rows.reduce((n, row) => n + row.rubrics.length, 0);

        const first = await runCli(gradeArgs(dir, inputs, standin.url, ["--concurrency", "32"]));
        expect(first.stderr).not.toMatch(/error/i);
        expect(first.code).toBe(0);
        expect(standin.chatCalls()).toBe(items);
        const graded = readJsonlFile(join(dir, "graded.jsonl"));
        expect(graded).toHaveLength(rows.length);
        graded.forEach((row, i) => {
          const recorded = rows[i];
          expect(row.prompt_id).toBe(recorded?.prompt_id);
          expect(row.verdicts.map((v: { criteria_met: boolean }) => v.criteria_met)).toEqual(recorded?.verdicts.map((v) => v.criteria_met));
          expect(Number(row.score.toFixed(10))).toBe(recorded?.score);
          for (const [key, value] of Object.entries(recorded?.metrics ?? {}))
            expect(Math.abs(row.metrics[key] - value)).toBeLessThanOrEqual(1e-12);
        });
        expect(first.stdout).toMatch(new RegExp(`^overall\\s+${overallOf(rows).replace(".", "\\.")}\\s`, "m"));
        expect(first.stdout).toContain(`verdicts: ${items} items, 0 from cache, ${items} judged, 0 judge failures`);
        expect(first.stdout).toMatch(/judge replay: \d+ requests, \d+ prompt \+ \d+ completion tokens, 0 retries/);

        const again = await runCli(gradeArgs(dir, inputs, standin.url));
        expect(again.code).toBe(0);
        expect(standin.chatCalls()).toBe(items);
        expect(again.stdout).toContain(`${items} from cache, 0 judged`);
        expect(again.stdout).toContain(`report: ${join(dir, "graded.summary.html")}`);
        const html = readFileSync(join(dir, "graded.summary.html"), "utf8");
        expect(html).toContain("Score by axis");
        // The Examples section, and a title naming what was graded rather than the file.
        expect(html).toContain('<h2 id="examples">');
        expect(html).toContain(`<title>HealthBench score of ${inputs.responses} (judge replay) - medrubric: grading run</title>`);
        expect(readJsonlFile(join(dir, "graded.jsonl"))).toEqual(graded);
        const summary = JSON.parse(readFileSync(join(dir, "graded.summary.json"), "utf8"));
        expect(summary).toMatchObject({ resumed: true, stats: { items, cached: items }, judge: { model: "replay" } });
        expect(summary.judge.prompt_version).toMatch(/^sha256:[0-9a-f]{16}$/);
        // 1,157 judge calls for the recorded run, two CLI processes: well past the default 30 s on a loaded machine.
      },
      120_000,
    );

  it("loses no verdict and repeats no answered judge call when killed with SIGKILL", async () => {
    const rows = demoRows(12);
    const dir = await tempDir();
    const inputs = await writeGradingInputs(rows, dir);
    const items = rows.reduce((n, row) => n + row.rubrics.length, 0);
    const answeredBeforeKill = 40;
    const concurrency = 4;
    // Phase 1: the first 40 calls are answered, every later one hangs until the process dies.
    standin = await startStandin({ chat: replayJudge(rows), fault: (call) => (call > answeredBeforeKill ? { fault: "hang" } : undefined) });
    const { child, result } = spawnCli(gradeArgs(dir, inputs, standin.url, ["--concurrency", String(concurrency)]));
    while (standin.chatCalls() < answeredBeforeKill + concurrency) await delay(20);
    await delay(300);
    child.kill("SIGKILL");
    expect((await result).signal).toBe("SIGKILL");
    const promptOf = (r: { body: unknown }) => JSON.stringify((r.body as { messages: unknown }).messages);
    const phase1 = standin.requests.map(promptOf);
    const answered = new Set(phase1.slice(0, answeredBeforeKill));

    standin.configure({ fault: undefined });
    const rerun = await runCli(gradeArgs(dir, inputs, standin.url, ["--concurrency", String(concurrency)]));
    expect(rerun.code).toBe(0);
    const phase2 = standin.requests.slice(phase1.length).map(promptOf);
    expect(phase2.filter((p) => answered.has(p))).toEqual([]);
    expect(new Set(phase2).size).toBe(phase2.length);
    expect(answered.size + phase2.length).toBe(items);
    expect(rerun.stdout).toContain(`verdicts: ${items} items, ${answeredBeforeKill} from cache, ${items - answeredBeforeKill} judged`);
    const graded = readJsonlFile(join(dir, "graded.jsonl"));
    graded.forEach((row, i) => {
      expect(Number(row.score.toFixed(10))).toBe(rows[i]?.score);
    });
  });

  it("three runs started together on one store share the work: each item is asked once, and every run gets its own id", async () => {
    const rows = demoRows(6);
    const dir = await tempDir();
    const inputs = await writeGradingInputs(rows, dir);
    const items = rows.reduce((n, row) => n + row.rubrics.length, 0);
    // Latency long enough that the three processes overlap for most of their runs.
    standin = await startStandin({ chat: replayJudge(rows), latencyMs: 80 });
    const args = gradeArgs(dir, inputs, standin.url, ["--concurrency", "4"]);
    const results = await Promise.all([0, 1, 2].map(() => runCli(args)));
    for (const result of results) {
      expect(result.stderr).not.toMatch(/error/i);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^overall\s+\S+/m);
    }
    expect(standin.chatCalls()).toBe(items);
    const judged = results.map((result) => Number(/ (\d+) judged/.exec(result.stdout)?.[1]));
    expect(judged.reduce((a, b) => a + b, 0)).toBe(items);
    expect(judged.filter((n) => n > 0).length).toBeGreaterThan(1); // the work was really shared, not done by one run first
    const db = new Database(join(dir, "store.sqlite"), { readonly: true });
    const runs = db.prepare("SELECT id, status FROM runs").all() as { id: string; status: string }[];
    const leases = db.prepare("SELECT count(*) AS n FROM verdict_leases").get() as { n: number };
    db.close();
    expect(new Set(runs.map((run) => run.id)).size).toBe(3);
    expect(runs.every((run) => run.status === "done")).toBe(true);
    expect(leases.n).toBe(0);
    readJsonlFile(join(dir, "graded.jsonl")).forEach((row, i) => {
      expect(Number(row.score.toFixed(10))).toBe(rows[i]?.score);
    });
  });

  it("records unparseable answers as judge failures, leaves them out of the score and gates on the failure rate", async () => {
    const rows = demoRows(3);
    const dir = await tempDir();
    const inputs = await writeGradingInputs(rows, dir);
    const replay = replayJudge(rows);
    const broken = rows[0]?.rubrics[0]?.criterion as string;
    // Every answer about one criterion is prose, never the JSON asked for.
    standin = await startStandin({
      chat: (body) => (JSON.stringify(body.messages).includes(broken) ? "I think it is met." : replay(body)),
    });
    const { code, stdout, stderr } = await runCli(
      gradeArgs(dir, inputs, standin.url, ["--max-parse-retries", "2", "--max-failure-rate", "0"]),
    );
    expect(code).toBe(EXIT_CODES.temporary);
    expect(stderr).toMatch(/1 of \d+ items are judge failures .* run the same command again to retry only those/);
    const items = rows.reduce((n, row) => n + row.rubrics.length, 0);
    expect(standin.chatCalls()).toBe(items + 2); // the broken item was asked 3 times
    const [first] = readJsonlFile(join(dir, "graded.jsonl"));
    expect(first.verdicts[0]).toMatchObject({ criteria_met: null, failure: expect.stringMatching(/unparseable answer after 3 attempts/) });
    expect(stdout).toContain("1 judge failures");
    expect(stdout).toContain("judge failures: 1 rubric items left out of the score");
  });

  it("exits 75 when the judge answered but no example could be scored, says why, counts the re-asks, and writes files score and report read", async () => {
    const rows = demoRows(3);
    const dir = await tempDir();
    const inputs = await writeGradingInputs(rows, dir);
    const items = rows.reduce((n, row) => n + row.rubrics.length, 0);
    // Fewer items than the failure streak that stops a run: every one is asked 3 times and fails.
    standin = await startStandin({ chat: () => "I think so, yes!! <not json>" });
    const { code, stdout, stderr } = await runCli(gradeArgs(dir, inputs, standin.url));
    expect(code).toBe(EXIT_CODES.temporary);
    expect(standin.chatCalls()).toBe(3 * items);
    expect(stdout).toContain(`${items} judge failures (100.0%)`);
    expect(stdout).toMatch(new RegExp(`judge replay: ${3 * items} requests, .* ${2 * items} retries`));
    expect(stdout).not.toMatch(/^overall/m);
    expect(stderr).toContain(
      `no example could be scored: the judge failed on ${items} of ${items} items, and every example lost all its positive items; for example prompt ${rows[0]?.prompt_id}, criterion 1`,
    );
    expect(stderr).toContain('unparseable answer after 3 attempts (no JSON object in the answer: "I think so, yes!! <not json>")');
    const summaryText = readFileSync(join(dir, "graded.summary.json"), "utf8");
    expect(JSON.parse(summaryText).report.overall).toEqual({ score: null, bootstrap_std: 0, n: 0 });
    const html = readFileSync(join(dir, "graded.summary.html"), "utf8");
    expect(html).not.toContain("NaN");
    expect(html).toContain("No example of graded could be scored");
    const fromSummary = await runCli(["report", "--input", join(dir, "graded.summary.json"), "--out", join(dir, "s.html")]);
    expect(fromSummary.code).toBe(0);
    const fromGraded = await runCli(["report", "--input", join(dir, "graded.jsonl"), "--out", join(dir, "g.html")]);
    expect(fromGraded.code).toBe(0);
    expect(readFileSync(join(dir, "g.html"), "utf8")).toContain('<h2 id="examples">');
    const scored = await runCli(["score", "--input", join(dir, "graded.jsonl")]);
    expect(scored.code).toBe(EXIT_CODES.input);
    expect(scored.stderr).toContain("no example could be scored: every one lost its positive items to judge failures");
  });

  it("--skip-invalid names the invalid examples' lines, skips and counts the answers to them, and grades the rest", async () => {
    const rows = demoRows(3);
    const dir = await tempDir();
    const inputs = await writeGradingInputs(rows, dir);
    const lines = readFileSync(inputs.data, "utf8").split("\n");
    const broken = JSON.parse(lines[1] as string);
    broken.rubrics[0].points = "five";
    lines[1] = JSON.stringify(broken);
    await writeFile(inputs.data, lines.join("\n"));
    standin = await startStandin({ chat: replayJudge(rows) });
    const strict = await runCli(gradeArgs(dir, inputs, standin.url));
    expect(strict.code).toBe(EXIT_CODES.input);
    expect(strict.stderr).toContain(`${inputs.data}:2: rubrics.0.points:`);
    const { code, stdout, stderr } = await runCli(gradeArgs(dir, inputs, standin.url, ["--skip-invalid"]));
    expect(stderr).toContain(`${inputs.data}: skipped 1 invalid rows:\n  ${inputs.data}:2: rubrics.0.points:`);
    expect(stderr).toContain(`${inputs.responses}: skipped 1 responses to the invalid examples skipped above`);
    expect(code).toBe(0);
    const items = [rows[0], rows[2]].reduce((n, row) => n + (row?.rubrics.length ?? 0), 0);
    expect(stdout).toContain(`verdicts: ${items} items`);
    expect(readJsonlFile(join(dir, "graded.jsonl")).map((row) => row.prompt_id)).toEqual([rows[0]?.prompt_id, rows[2]?.prompt_id]);
  });

  it("exits 69, not 0, when the judge never answered: unreachable, or hanging past the timeout", async () => {
    const rows = demoRows(1);
    const dir = await tempDir();
    const inputs = await writeGradingInputs(rows, dir);
    const fast = ["--judge-retries", "0", "--judge-timeout-ms", "300"];
    // Port 2 is below the range servers on port 0 get, and nothing listens there: connections are refused.
    // (A port freed by closing a server of our own could be taken at once by a test file running beside this one.)
    const gone = { url: "http://127.0.0.1:2/v1" };
    const unreachable = await runCli(gradeArgs(dir, inputs, gone.url, fast));
    expect(unreachable.code).toBe(EXIT_CODES.network);
    expect(unreachable.stderr).toMatch(/the judge answered none of the \d+ items asked .*ECONNREFUSED/);
    standin = await startStandin({ fault: () => ({ fault: "hang" }) });
    const hanging = await runCli(gradeArgs(dir, inputs, standin.url, fast));
    expect(hanging.code).toBe(EXIT_CODES.network);
    expect(hanging.stderr).toContain("no answer within 300 ms");
    expect(hanging.stdout).not.toContain("overall");
    // More items than the failure streak allows: it stops early, still with 69.
    const many = await writeGradingInputs(demoRows(), dir);
    const stopped = await runCli(gradeArgs(dir, many, gone.url, [...fast, "--concurrency", "2"]));
    expect(stopped.code).toBe(EXIT_CODES.network);
    expect(stopped.stderr).toMatch(/the judge failed 5\d times in a row, stopping/);
  });

  it("says how to fix a missing API key for a remote judge, and names a response to an unknown example", async () => {
    const rows = demoRows(2);
    const dir = await tempDir();
    const inputs = await writeGradingInputs(rows, dir);
    const remote = await runCli(gradeArgs(dir, inputs, "https://judge.example.com/v1"), {
      env: { MEDRUBRIC_JUDGE_API_KEY: "", OPENAI_API_KEY: "" },
    });
    expect(remote.code).toBe(EXIT_CODES.config);
    expect(remote.stderr).toContain("pass --judge-api-key KEY or set MEDRUBRIC_JUDGE_API_KEY or OPENAI_API_KEY");
    const stray = join(dir, "stray.jsonl");
    await writeFile(
      stray,
      `${readFileSync(inputs.responses, "utf8")}{"prompt_id": "nope", "completion": [{"role": "assistant", "content": "x"}]}\n`,
    );
    const unknown = await runCli(gradeArgs(dir, { ...inputs, responses: stray }, "http://127.0.0.1:9/v1"));
    expect(unknown.code).toBe(EXIT_CODES.input);
    expect(unknown.stderr).toContain(`${stray}:3: prompt_id: nope is not in ${inputs.data}`);
  });
});
