import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    globalSetup: ["./tests/helpers/global-setup.ts"],
    // Notebook and simulator tests do real numerical work on a 2-core machine.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: "forks",
    reporters: ["default", "./tests/helpers/summary-reporter.ts"],
  },
});
