/** The lab tests' fixed order: every lab file is placed, and the sequencer applies the order. */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../lab/state/paths.js";
import { inLabOrder, LAB_ORDER } from "../support/sequencer.js";

const labFiles = readdirSync(join(REPO_ROOT, "tests/lab")).filter((f) => f.endsWith(".test.ts"));

describe("the lab tests' order", () => {
  it("names every lab test file once (a new one must be placed)", () => {
    expect([...LAB_ORDER].sort()).toEqual([...labFiles].sort());
  });

  it("sorts lab files by it, whatever vitest's order, and leaves other files after them", () => {
    const files = [
      "/r/tests/lab/deploy.test.ts",
      "/r/tests/unit/x.test.ts",
      "/r/tests/lab/security.test.ts",
      "/r/tests/unit/a.test.ts",
    ];
    expect(inLabOrder(files, (f) => f)).toEqual([
      "/r/tests/lab/security.test.ts",
      "/r/tests/lab/deploy.test.ts",
      "/r/tests/unit/x.test.ts",
      "/r/tests/unit/a.test.ts",
    ]);
  });
});
