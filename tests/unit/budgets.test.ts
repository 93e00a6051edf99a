/** CI's time: every lab file has a budget, a file past it is named, the step table adds up. */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../lab/state/paths.js";
import {
  failureLines,
  fileTimes,
  LAB_BUDGET_S,
  overBudget,
  renderTimes,
  stepTimes,
} from "../support/budgets.js";

const labFiles = readdirSync(join(REPO_ROOT, "tests/lab")).filter((f) => f.endsWith(".test.ts"));

describe("CI's time budgets", () => {
  it("every lab test file has one (a new file must claim its share)", () => {
    expect(Object.keys(LAB_BUDGET_S).sort()).toEqual([...labFiles].sort());
  });

  it("a file past its budget is named with both figures and where its time went; one within it is not", () => {
    const times = fileTimes({
      testResults: [
        {
          name: "/r/tests/lab/drills.test.ts",
          startTime: 0,
          endTime: 950_000,
          status: "failed",
          assertionResults: [
            { title: "node-down", duration: 600_000 },
            { title: "disaster", duration: 250_040 },
          ],
        },
        { name: "/r/tests/lab/app.test.ts", startTime: 10, endTime: 1_810, status: "passed" },
      ],
    });
    expect(times).toEqual([
      {
        file: "lab/drills.test.ts",
        seconds: 950,
        passed: false,
        tests: [
          { title: "node-down", seconds: 600 },
          { title: "disaster", seconds: 250 },
        ],
      },
      { file: "lab/app.test.ts", seconds: 1.8, passed: true, tests: [] },
    ]);
    expect(overBudget(times)).toEqual([
      [
        `lab/drills.test.ts took 950 s, its budget is ${LAB_BUDGET_S["drills.test.ts"]} s`,
        "      600.0 s  node-down",
        "      250.0 s  disaster",
        "      100.0 s  outside its tests (hooks: waits for a healthy lab, clean-up)",
      ].join("\n"),
    ]);
    // Same name in another tier: no lab budget applies.
    expect(
      overBudget([{ file: "integration/drills.test.ts", seconds: 5000, passed: true }]),
    ).toEqual([]);
  });

  it("each step lasts until the next one starts, the last until the end", () => {
    const steps = stepTimes(["0 setup", "136 tests", "", "not a step", "430 lab up"], 600);
    expect(steps).toEqual([
      { name: "setup", seconds: 136 },
      { name: "tests", seconds: 294 },
      { name: "lab up", seconds: 170 },
    ]);
    const table = renderTimes(steps, [{ file: "lab/app.test.ts", seconds: 2, passed: true }], 600);
    expect(table).toContain("CI took 600 s (10.0 min)");
    expect(table).toContain("   294 s  tests");
    expect(table).toContain("     2 s  lab/app.test.ts (budget 10 s)");
  });

  it("the longest tests of all files come last, longest first, at most ten", () => {
    const tests = (n: number, from: number) =>
      Array.from({ length: n }, (_, i) => ({ title: `t${from + i}`, seconds: from + i }));
    const files = [
      { file: "lab/a.test.ts", seconds: 100, passed: true, tests: tests(6, 1) },
      { file: "lab/b.test.ts", seconds: 100, passed: true, tests: tests(6, 20) },
    ];
    const table = renderTimes([], files, 10).split("\n");
    const at = table.indexOf("the 10 longest tests:");
    expect(at).toBeGreaterThan(0);
    expect(table.slice(at + 1)).toEqual([
      ...[25, 24, 23, 22, 21, 20].map((s) => `${String(s).padStart(6)} s  lab/b.test.ts › t${s}`),
      ...[6, 5, 4, 3].map((s) => `${String(s).padStart(6)} s  lab/a.test.ts › t${s}`),
    ]);
  });

  it("a failed test is named with the head of its message, colour codes removed", () => {
    const message = [
      "\u001b[31mAssertionError: expected 3 to be 0\u001b[39m",
      "",
      ...Array(40).fill("  at x"),
    ];
    const lines = failureLines(
      {
        testResults: [
          {
            name: "/r/tests/lab/deploy.test.ts",
            assertionResults: [
              { fullName: "deploys rolling", status: "passed", failureMessages: [] },
              {
                fullName: "deploys broken",
                status: "failed",
                failureMessages: [message.join("\n")],
              },
            ],
          },
        ],
      },
      5,
    );
    expect(lines).toHaveLength(1);
    const [only] = lines;
    expect(only?.split("\n")).toEqual([
      "FAILED lab/deploy.test.ts › deploys broken",
      "    AssertionError: expected 3 to be 0",
      "      at x",
      "      at x",
      "      at x",
      "      at x",
    ]);
    expect(failureLines({ testResults: [{ name: "/r/a.test.ts" }] })).toEqual([]);
  });
});
