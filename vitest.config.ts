import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    setupFiles: ["test/fail-on-leak-warnings.ts"],
    // Two test files at once: vitest's default on 2 cores is one (cores - 1), and the files spend
    // much of their time waiting on child processes, servers and timers, so one alone left a core
    // idle for most of the suite (issue 33: 10.8 -> see README "Development" for the figures).
    maxWorkers: 2,
    testTimeout: 30_000,
    // Hooks train small models in a CLI process (model-inputs.test.ts): 10 s, the default, is too short on a loaded machine.
    hookTimeout: 120_000,
  },
});
