import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["dist/**", "node_modules/**"],
    // One database server for the whole run (embedded, or TEST_DATABASE_URL); each file clones a template.
    globalSetup: ["test/support/global-setup.ts"],
    // A failed test prints its bots' log files (names and last lines): test/support/failure-logs.ts.
    setupFiles: ["test/support/failure-logs.ts"],
    // Files that do not share state run in parallel; 2 cores here, so 2 workers.
    fileParallelism: true,
    maxWorkers: 2,
    // Ceilings, not expected durations (tests wait for facts): generous, so that a loaded machine
    // (`npm run test:stress`) slows the suite down instead of failing it.
    testTimeout: 60_000,
    hookTimeout: 180_000,
    teardownTimeout: 30_000,
  },
});
