/** test:smoke's summary: each step's time and exit, the verdict, and the 12-minute goal met or missed. */
import { describe, expect, it } from "vitest";
import { type SmokeResult, smokeSummary } from "../../scripts/smoke/summary.js";

const result = (over: Partial<SmokeResult> = {}): SmokeResult => ({
  date: "2026-12-06T20:00:00.000Z",
  machine: { cpus: 2, memoryGiB: 24, node: "v20.20.2" },
  upFlags: ["--images", "offline"],
  steps: [
    { what: "lab:up", seconds: 300.5, code: 0 },
    { what: "the smoke tests", seconds: 90, code: 0 },
    { what: "lab:down", seconds: 20, code: 0 },
  ],
  totalS: 410.5,
  goalS: 720,
  passed: true,
  ...over,
});

describe("test:smoke's summary", () => {
  it("names each step with its time and exit, and the goal met", () => {
    const text = smokeSummary(result());
    expect(text).toContain("# test:smoke (2026-12-06T20:00:00.000Z): PASSED in 410.5 s");
    expect(text).toContain("| lab:up | 300.5 | 0 |");
    expect(text).toContain("lab:up --images offline");
    expect(text).toContain("Goal: 720 s from the first command to the lab removed: met (410.5 s)");
  });

  it("says FAILED and missed when they are", () => {
    const text = smokeSummary(
      result({
        passed: false,
        totalS: 800,
        steps: [{ what: "lab:up", seconds: 790, code: 1 }],
      }),
    );
    expect(text).toContain("FAILED in 800 s");
    expect(text).toContain("| lab:up | 790 | 1 |");
    expect(text).toContain("missed (800 s)");
  });
});
