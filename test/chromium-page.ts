/**
 * A page in headless Chromium driven over the DevTools protocol, for the tests and benchmarks that
 * use a report as a reader does (type in a filter, open a row, time it, take a screenshot). The
 * protocol runs over `--remote-debugging-pipe`: JSON messages ending in a NUL byte, to the browser
 * on file descriptor 3 and back on 4, so no port, socket library or driver package is needed.
 * CHROMIUM names the binary (default Debian's /usr/bin/chromium, which `npm test` installs).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";

export const chromiumBinary = process.env.CHROMIUM || "/usr/bin/chromium";

/** Headless, and quiet: no sandbox (containers), GPU, updates, sync or first-run pages. */
export const HEADLESS_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
];

export interface ChromiumPage {
  /** The value of a JavaScript expression in the page (a promise is awaited); a thrown error is thrown here. */
  evaluate<T = unknown>(expression: string): Promise<T>;
  /** Waits until the expression is truthy in the page. */
  waitFor(expression: string, timeoutMs?: number): Promise<void>;
  /** Types text into the focused element, as a keyboard would (input events and all). */
  type(text: string): Promise<void>;
  /** Loads another URL in the same page (one browser for several pages), once its load event fires. */
  goto(url: string): Promise<void>;
  /** Writes a PNG of the page's viewport. */
  screenshot(file: string): Promise<void>;
  /** Console messages, uncaught exceptions and browser log entries (a refused script, say), in order. */
  readonly messages: string[];
  close(): Promise<void>;
}

interface Message {
  id?: number;
  method?: string;
  sessionId?: string;
  params?: Record<string, unknown> & { [key: string]: unknown };
  result?: Record<string, unknown>;
  error?: { message: string };
}

export interface PageOptions {
  viewport?: { width: number; height: number };
  /** A script run in the page before its own (to observe long tasks, say). */
  beforeLoad?: string;
}

export async function openChromiumPage(url: string, options: PageOptions = {}): Promise<ChromiumPage> {
  const viewport = options.viewport ?? { width: 1200, height: 900 };
  if (!existsSync(chromiumBinary))
    throw new Error(`Chromium not found at ${chromiumBinary}: install Debian's chromium (apt-get install chromium) or set CHROMIUM`);
  const profile = await mkdtemp(join(tmpdir(), "medrubric-chromium-"));
  const browser: ChildProcess = spawn(
    chromiumBinary,
    [...HEADLESS_FLAGS, "--hide-scrollbars", "--remote-debugging-pipe", `--user-data-dir=${profile}`, "about:blank"],
    { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] },
  );
  let stderr = "";
  browser.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const toBrowser = browser.stdio[3] as Writable;
  const fromBrowser = browser.stdio[4] as Readable;
  const pending = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  const listeners: ((m: Message) => void)[] = [];
  const messages: string[] = [];
  let nextId = 1;
  let buffered = Buffer.alloc(0);
  fromBrowser.on("data", (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (let end = buffered.indexOf(0); end >= 0; end = buffered.indexOf(0)) {
      const message = JSON.parse(buffered.subarray(0, end).toString("utf8")) as Message;
      buffered = buffered.subarray(end + 1);
      if (message.id !== undefined) pending.get(message.id)?.resolve(message);
      else for (const listener of listeners) listener(message);
    }
  });
  browser.on("exit", () => {
    for (const { reject } of pending.values()) reject(new Error(`Chromium exited: ${stderr}`));
  });

  const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, {
        resolve: (m) => {
          pending.delete(id);
          if (m.error) reject(new Error(`${method}: ${m.error.message}`));
          else resolve(m.result ?? {});
        },
        reject,
      });
      toBrowser.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  const next = (method: string): Promise<Message> =>
    new Promise((resolve) => {
      const listener = (m: Message) => {
        if (m.method !== method) return;
        listeners.splice(listeners.indexOf(listener), 1);
        resolve(m);
      };
      listeners.push(listener);
    });

  listeners.push(({ method, params }) => {
    if (method === "Runtime.consoleAPICalled")
      messages.push(`console.${params?.type}: ${JSON.stringify(((params?.args ?? []) as { value?: unknown }[]).map((a) => a.value))}`);
    else if (method === "Runtime.exceptionThrown") messages.push(`exception: ${JSON.stringify(params?.exceptionDetails)}`);
    else if (method === "Log.entryAdded") messages.push(`log: ${JSON.stringify(params?.entry)}`);
  });
  const { targetId } = await send("Target.createTarget", { url: "about:blank" });
  const { sessionId } = (await send("Target.attachToTarget", { targetId, flatten: true })) as { sessionId: string };
  const call = (method: string, params: Record<string, unknown> = {}) => send(method, params, sessionId);
  await Promise.all([call("Runtime.enable"), call("Page.enable"), call("Log.enable")]);
  await call("Emulation.setDeviceMetricsOverride", { ...viewport, deviceScaleFactor: 1, mobile: false });
  if (options.beforeLoad) await call("Page.addScriptToEvaluateOnNewDocument", { source: options.beforeLoad });
  const goto = async (to: string) => {
    const loaded = next("Page.loadEventFired");
    await call("Page.navigate", { url: to });
    await loaded;
  };
  await goto(url);

  const evaluate = async <T>(expression: string): Promise<T> => {
    const reply = (await call("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true })) as {
      result: { value?: T };
      exceptionDetails?: { exception?: { description?: string }; text: string };
    };
    if (reply.exceptionDetails) throw new Error(reply.exceptionDetails.exception?.description ?? reply.exceptionDetails.text);
    return reply.result.value as T;
  };
  return {
    evaluate,
    async waitFor(expression, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!(await evaluate<boolean>(`Boolean(${expression})`))) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}; page messages: ${messages.join("\n")}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    goto,
    async type(text) {
      await call("Input.insertText", { text });
    },
    async screenshot(file) {
      const { data } = (await call("Page.captureScreenshot", { format: "png" })) as { data: string };
      await writeFile(file, Buffer.from(data, "base64"));
    },
    messages,
    async close() {
      const exited = browser.exitCode === null ? new Promise((r) => browser.once("exit", r)) : Promise.resolve();
      await send("Browser.close").catch(() => undefined);
      const timer = setTimeout(() => browser.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
      await rm(profile, { recursive: true, force: true });
    },
  };
}
