/**
 * Vitest setup file: a MaxListenersExceededWarning (listeners piling up on an emitter, a leak)
 * fails the test run instead of scrolling past in its output. Registered once per process.
 */
const registered = Symbol.for("medrubric.fail-on-leak-warnings");
const flags = process as unknown as Record<symbol, boolean>;

if (!flags[registered]) {
  flags[registered] = true;
  process.on("warning", (warning) => {
    // A plain error: the warning itself carries the whole emitter, which the runner would print.
    if (warning.name === "MaxListenersExceededWarning") throw new Error(`${warning.name}: ${warning.message}`);
  });
}
