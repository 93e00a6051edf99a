/** `up` makes its images a few at once: never more than the limit, every one, errors after all end. */
import { describe, expect, it } from "vitest";
import { LabError } from "../../lab/errors.js";
import { buildJobs, DEFAULT_BUILD_JOBS, eachLimited } from "../../lab/images/jobs.js";

const tick = () => new Promise((r) => setTimeout(r, 1));

describe("image builds at once", () => {
  it("LAB_BUILD_JOBS: the default, a number from 1 to 8, and a clear refusal otherwise", () => {
    expect(buildJobs(undefined)).toBe(DEFAULT_BUILD_JOBS);
    expect(buildJobs("")).toBe(DEFAULT_BUILD_JOBS);
    expect(buildJobs("1")).toBe(1);
    expect(buildJobs("8")).toBe(8);
    for (const bad of ["0", "9", "2.5", "two", "-1"]) {
      expect(() => buildJobs(bad), bad).toThrow(LabError);
      expect(() => buildJobs(bad), bad).toThrow(`LAB_BUILD_JOBS=${bad} is not a number`);
    }
  });

  it("runs every item, at most `limit` at once, results in the items' order", async () => {
    let running = 0;
    let most = 0;
    const items = [5, 1, 4, 2, 3, 1, 2];
    const out = await eachLimited(items, 3, async (n) => {
      running++;
      most = Math.max(most, running);
      for (let i = 0; i < n; i++) await tick();
      running--;
      return n * 10;
    });
    expect(out).toEqual(items.map((n) => n * 10));
    expect(most).toBe(3);
  });

  it("a failure starts nothing more, waits for what runs, then throws the first error", async () => {
    const started: number[] = [];
    let finished = 0;
    const run = eachLimited([1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      if (n === 2) throw new Error("build 2 failed");
      for (let i = 0; i < 5; i++) await tick();
      finished++;
      return n;
    });
    await expect(run).rejects.toThrow("build 2 failed");
    expect(started).toEqual([1, 2]);
    expect(finished).toBe(1); // item 1 ran to its end before the error came out
  });
});
