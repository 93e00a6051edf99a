/** Calls that can hang stop after their time and say what hung (a real process here). */
import { describe, expect, it } from "vitest";
import { LabError } from "../../lab/errors.js";
import { run } from "../../lab/runtime/exec.js";

describe("timeouts", () => {
  it("a program that runs too long is stopped and named", async () => {
    const err = await run("sleep", ["30"], { timeoutMs: 500 }).catch((e) => e);
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).message).toBe("sleep 30 did not finish within 0.5 s and was stopped");
  });

  it("a program that ends in time is not affected", async () => {
    expect(await run("sh", ["-c", "sleep 0.2; echo done"], { timeoutMs: 5000 })).toBe("done\n");
  });
});
