import { defineConfig } from "vitest/config";
import { LabOrder } from "./tests/support/sequencer.js";

export default defineConfig({
  test: {
    // Lab tests share one running lab: never in parallel.
    fileParallelism: false,
    // The lab files in a fixed order (tests/support/sequencer.ts), not by size.
    sequence: { sequencer: LabOrder },
    projects: [
      { test: { name: "unit", include: ["tests/unit/**/*.test.ts"] } },
      {
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          // Ryuk, testcontainers' reaper, is a Docker Hub image: each test stops what it started.
          env: { TESTCONTAINERS_RYUK_DISABLED: "true" },
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
      {
        test: {
          name: "lab",
          include: ["tests/lab/**/*.test.ts"],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          // The provisioning play on three bare-host containers (npm run test:hosts): minutes.
          name: "hosts",
          include: ["tests/hosts/**/*.test.ts"],
          testTimeout: 900_000,
          hookTimeout: 600_000,
        },
      },
      {
        test: {
          name: "teardown",
          include: ["tests/teardown/**/*.test.ts"],
          testTimeout: 300_000,
        },
      },
      {
        // npm run test:smoke's checks, on the lab scripts/smoke/run.ts brings up.
        test: {
          name: "smoke",
          include: ["tests/smoke/**/*.test.ts"],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        // lab:down without --keep-images, last (after the hosts tier, which uses the images).
        test: { name: "purge", include: ["tests/purge/**/*.test.ts"], testTimeout: 300_000 },
      },
    ],
  },
});
