/**
 * The HTTP examples of docs/rl-trainers.md, read from the page itself: each `curl ... -d '{...}'`
 * request and the JSON response block after it. The docs check (rl-docs.test.ts) sends every
 * request to a real server and compares the response's shape with the documented one; run as a
 * script, this file writes a real server's responses into the page:
 *
 *   npm run build && node --import tsx test/rl-docs-examples.ts MODEL_DIR [STORE]
 *
 * (the page's figures come from the demo's model: `medrubric demo`, then medrubric-demo/model).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServeWith } from "./model-server.js";
import { projectRoot } from "./shared-data.js";

export const RL_DOC = join(projectRoot, "docs/rl-trainers.md");

export interface DocExample {
  path: string;
  body: unknown;
  /** The documented response, and where its text sits in the page. */
  response: unknown;
  at: { start: number; end: number };
}

const EXAMPLE =
  /```sh\ncurl -s http:\/\/127\.0\.0\.1:8000(\/[\w/]+) -H 'content-type: application\/json' -d '([^']*)'\n```\n\n```json\n([\s\S]*?)\n```/g;

export function docExamples(text = readFileSync(RL_DOC, "utf8")): DocExample[] {
  return [...text.matchAll(EXAMPLE)].map((match) => {
    const json = match[3] as string;
    const start = (match.index as number) + match[0].length - json.length - 4;
    return {
      path: match[1] as string,
      body: JSON.parse(match[2] as string),
      response: JSON.parse(json),
      at: { start, end: start + json.length },
    };
  });
}

/** A value's structure: the keys of objects, the length of arrays and the type of everything else. */
export function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shapeOf);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shapeOf(inner)]));
  return value === null ? "null" : typeof value;
}

const round = (value: unknown): unknown =>
  typeof value === "number" ? Math.round(value * 10_000) / 10_000 : Array.isArray(value) ? value.map(round) : value;

/** JSON with numbers to 4 decimals: objects and lists of plain values on one line, the rest indented. */
export function formatResponse(value: unknown, indent = ""): string {
  if (value === null || typeof value !== "object") return JSON.stringify(round(value));
  const entries = Array.isArray(value) ? value.map((v) => [undefined, v] as const) : Object.entries(value);
  const flat = entries.every(([, v]) => v === null || typeof v !== "object");
  const item = ([key, v]: readonly [string | undefined, unknown], inner: string) =>
    `${key === undefined ? "" : `${JSON.stringify(key)}: `}${formatResponse(v, inner)}`;
  const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  if (flat) return `${open}${entries.map((e) => item(e, indent)).join(", ")}${close}`;
  const inner = `${indent}  `;
  return `${open}\n${entries.map((e) => `${inner}${item(e, inner)}`).join(",\n")}\n${indent}${close}`;
}

export async function post(url: string, path: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

/** Writes the responses of a real server with this model into the page. */
async function writeDocResponses(model: string, store: string): Promise<void> {
  const server = await startServeWith(["--model", model, "--store", store]);
  try {
    let text = readFileSync(RL_DOC, "utf8");
    // From the last example up, so the positions of the earlier ones still hold.
    for (const example of docExamples(text).reverse()) {
      const { status, json } = await post(server.url, example.path, example.body);
      if (status !== 200) throw new Error(`${example.path}: HTTP ${status}: ${JSON.stringify(json)}`);
      text = `${text.slice(0, example.at.start)}${formatResponse(json)}${text.slice(example.at.end)}`;
    }
    writeFileSync(RL_DOC, text);
  } finally {
    server.child.kill("SIGTERM");
    await server.result;
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/test\//, "/test/"))) {
  const [model, store = join(tmpdir(), "medrubric-docs-store.sqlite")] = process.argv.slice(2);
  if (!model) throw new Error("usage: node --import tsx test/rl-docs-examples.ts MODEL_DIR [STORE]");
  await writeDocResponses(model, store);
}
