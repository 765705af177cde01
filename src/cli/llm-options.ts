/**
 * Flags for an OpenAI-compatible model in one role (the judge, or the model under test), and
 * the client built from them. Every role gets the same set, with its own prefix.
 */
import { type Command, Option } from "commander";
import { UsageError } from "../core/errors.js";
import { normaliseBaseUrl, resolveApiKey } from "../llm/endpoint.js";
import { createLlmClient, DEFAULT_MAX_RESPONSE_BYTES, type LlmClient, type RequestObserver } from "../llm/openai-client.js";
import { integerIn, numberIn } from "./flag-ranges.js";

export interface LlmRole {
  /** Flag prefix: `judge` gives --judge-url, --judge-model, ... */
  prefix: "judge" | "model" | "llm";
  /** The flag naming the model (`--judge-model`, or `--model-name` for the model under test: `--model` names a model directory). */
  modelFlag: string;
  apiKeyEnv: string;
  defaultTemperature?: number;
}

export const JUDGE: LlmRole = { prefix: "judge", modelFlag: "--judge-model", apiKeyEnv: "MEDRUBRIC_JUDGE_API_KEY", defaultTemperature: 0 };
export const MODEL_UNDER_TEST: LlmRole = { prefix: "model", modelFlag: "--model-name", apiKeyEnv: "MEDRUBRIC_MODEL_API_KEY" };
/** The LLM that writes rubrics and synthetic data. */
export const GENERATOR: LlmRole = { prefix: "llm", modelFlag: "--llm-model", apiKeyEnv: "MEDRUBRIC_LLM_API_KEY" };

/** Adds the role's flags; with `optional`, the URL and model may be left out (the caller then falls back on another role). */
export function addLlmOptions(command: Command, role: LlmRole, optional = false): Command {
  const p = role.prefix;
  const url = new Option(`--${p}-url <url...>`, "OpenAI-compatible base URL(s); several form a pool");
  const model = new Option(`${role.modelFlag} <name>`, "model name as the server knows it");
  return command
    .addOption(optional ? url : url.makeOptionMandatory())
    .addOption(optional ? model : model.makeOptionMandatory())
    .option(`--${p}-api-key <key>`, `API key (default: $${role.apiKeyEnv}, then $OPENAI_API_KEY; none needed on localhost)`)
    .option(`--${p}-temperature <x>`, "sampling temperature", numberIn(0, 2), role.defaultTemperature)
    .option(`--${p}-max-tokens <n>`, "maximum tokens per answer", integerIn(1, 1_000_000))
    .option(`--${p}-seed <n>`, "sampling seed, for servers that honour it", integerIn(0, Number.MAX_SAFE_INTEGER))
    .option(`--${p}-timeout-ms <n>`, "timeout per request", integerIn(1, 3_600_000), 120_000)
    .option(
      `--${p}-max-response-bytes <n>`,
      "largest response body read; a larger one fails the request",
      integerIn(1024, 2 ** 30),
      DEFAULT_MAX_RESPONSE_BYTES,
    )
    .option(`--${p}-retries <n>`, "retries per request on 429, 5xx, timeouts and dropped connections", integerIn(0, 20), 5)
    .option(`--${p}-price-input <x>`, "price per million prompt tokens, for the cost summary", numberIn(0, 10_000))
    .option(`--${p}-price-output <x>`, "price per million completion tokens", numberIn(0, 10_000));
}

export function createClientFromFlags(
  flags: Record<string, unknown>,
  role: LlmRole,
  concurrency: number,
  observer?: RequestObserver,
): LlmClient {
  const get = (name: string) => flags[`${role.prefix}${name}`];
  const urls = (get("Url") as string[]).map(normaliseBaseUrl);
  const apiKey = resolveApiKey(urls, {
    flag: get("ApiKey") as string | undefined,
    flagName: `--${role.prefix}-api-key`,
    envNames: [role.apiKeyEnv, "OPENAI_API_KEY"],
  });
  const priceInput = get("PriceInput") as number | undefined;
  const priceOutput = get("PriceOutput") as number | undefined;
  if ((priceInput === undefined) !== (priceOutput === undefined)) {
    throw new UsageError(`--${role.prefix}-price-input and --${role.prefix}-price-output go together`);
  }
  const modelKey = role.modelFlag.replace(/^--/, "").replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
  return createLlmClient({
    endpoints: urls.map((baseUrl) => ({ baseUrl, apiKey })),
    model: flags[modelKey] as string,
    temperature: get("Temperature") as number | undefined,
    maxTokens: get("MaxTokens") as number | undefined,
    seed: get("Seed") as number | undefined,
    timeoutMs: get("TimeoutMs") as number,
    maxResponseBytes: get("MaxResponseBytes") as number,
    retry: { retries: get("Retries") as number },
    concurrency,
    pricing: priceInput === undefined ? undefined : { inputPerMillion: priceInput, outputPerMillion: priceOutput as number },
    observer,
  });
}
