import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    setupFiles: ["test/fail-on-leak-warnings.ts"],
    testTimeout: 30_000,
    // Hooks train small models in a CLI process (model-inputs.test.ts): 10 s, the default, is too short on a loaded machine.
    hookTimeout: 120_000,
  },
});
