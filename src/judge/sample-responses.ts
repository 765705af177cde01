/**
 * Samples the model under test for `eval`: one or more completions per example, each cached in
 * the store under its model, sampling settings, prompt and sample number, so a restarted
 * evaluation never pays for a completion twice. A request that fails for good is recorded and
 * that example left out; a long streak of failures stops the run.
 */
import pLimit from "p-limit";
import { canonicalJson, hashJson } from "../core/hash.js";
import type { HealthBenchExample } from "../healthbench/schema.js";
import { type LlmClient, LlmRequestError } from "../llm/openai-client.js";
import type { CompletionCache } from "../store/store.js";
import { FailureStreak } from "./failure-streak.js";
import type { GradeTask } from "./grade-run.js";

export interface SampleOptions {
  client: LlmClient;
  store: CompletionCache;
  samples: number;
  concurrency: number;
  onProgress?: (done: number, total: number) => void;
  maxConsecutiveFailures?: number;
}

export interface SampleResult {
  tasks: GradeTask[];
  cached: number;
  failures: { prompt_id: string; sample: number; failure: string }[];
}

export async function sampleResponses(examples: readonly HealthBenchExample[], options: SampleOptions): Promise<SampleResult> {
  const { client, store } = options;
  const settings = canonicalJson(client.settings);
  const limit = pLimit(options.concurrency);
  const streak = new FailureStreak(options.maxConsecutiveFailures);
  const total = examples.length * options.samples;
  const slots: (GradeTask | undefined)[] = new Array(total);
  const result: SampleResult = { tasks: [], cached: 0, failures: [] };
  let done = 0;

  const jobs = examples.flatMap((example, e) =>
    Array.from({ length: options.samples }, (_, sample) => async () => {
      const key = hashJson([settings, example.prompt, sample]);
      let content = await store.cachedCompletion(key);
      if (content === undefined) {
        try {
          const answer = await client.chat(example.prompt);
          await store.saveCompletion(key, client.model, answer.content, answer);
          content = answer.content;
          streak.success();
        } catch (error) {
          if (!(error instanceof LlmRequestError)) throw error;
          result.failures.push({ prompt_id: example.prompt_id, sample, failure: error.message });
          if (streak.failure(error.message)) limit.clearQueue();
        }
      } else {
        result.cached++;
      }
      if (content !== undefined) slots[e * options.samples + sample] = { example, completion: [{ role: "assistant", content }] };
      options.onProgress?.(++done, total);
    }),
  );
  await Promise.all(jobs.map((job) => limit(job)));
  if (streak.tripped) throw streak.error(`the model ${client.model}`);
  result.tasks = slots.filter((task): task is GradeTask => task !== undefined);
  return result;
}
