import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every temporary file of the run goes in one folder, removed at its end (test/helpers/temp-root.ts).
    // The bots the tests start see none of the developer's settings (test/helpers/hermetic-env.ts).
    globalSetup: ['test/helpers/temp-root.ts', 'test/helpers/hermetic-env.ts'],
    // Engine tests run real VGG forward/backward passes on 2 cores; they are slow, not flaky.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // One file at a time per core keeps the wasm engine from fighting itself for the CPU.
    pool: 'forks',
    // In CI a JSON report too, from which .ci/run prints one plain "N passed, N failed" line.
    ...(process.env.CI ? { reporters: ['default', 'json'], outputFile: { json: 'test-output/vitest-report.json' } } : {}),
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
