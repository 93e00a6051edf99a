import { describe, expect, it } from "vitest";
import { LabError } from "../../lab/errors.js";
import type { Clock } from "../../lab/runtime/clock.js";
import { secondsUntil } from "../../lab/swarm/steer.js";
import { waitFor } from "../../lab/wait/poll.js";

function fakeClock(): Clock & { slept: number } {
  let t = 0;
  return {
    slept: 0,
    now: () => t,
    async sleep(ms) {
      t += ms;
      this.slept += ms;
    },
  };
}

describe("waitFor", () => {
  it("returns as soon as the check passes", async () => {
    const clock = fakeClock();
    let calls = 0;
    await waitFor("thing", async () => ({ ok: ++calls === 3, detail: `call ${calls}` }), {
      timeoutMs: 10_000,
      intervalMs: 500,
      clock,
    });
    expect(calls).toBe(3);
    expect(clock.slept).toBe(1000);
  });

  it("names what it waited for and what it last saw", async () => {
    const clock = fakeClock();
    const err = await waitFor(
      "service lab_app",
      async () => ({ ok: false, detail: "1/3 tasks running" }),
      {
        timeoutMs: 5000,
        intervalMs: 1000,
        clock,
        hint: "look at the tasks",
      },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(LabError);
    expect(err.message).toBe("service lab_app: not ready after 5 s (last seen: 1/3 tasks running)");
    expect(err.hint).toBe("look at the tasks");
  });

  it("treats a throwing check as not ready, with its message", async () => {
    const err = await waitFor(
      "engine",
      async () => {
        throw new Error("ECONNREFUSED");
      },
      { timeoutMs: 1000, clock: fakeClock() },
    ).catch((e) => e);
    expect(err.message).toMatch(/last seen: ECONNREFUSED/);
  });
});

describe("secondsUntil (the drills' measure of how long something took)", () => {
  it("answers the seconds on the clock it is given, retrying a condition that throws", async () => {
    const clock = fakeClock();
    let calls = 0;
    const s = await secondsUntil(
      async () => {
        calls++;
        if (calls === 2) throw new Error("the engine hiccups");
        return calls === 5;
      },
      60_000,
      undefined,
      clock,
    );
    expect(s).toBe(1); // four sleeps of 250 ms
    expect(calls).toBe(5);
  });

  it("answers null at the deadline, and stops when its signal aborts", async () => {
    const clock = fakeClock();
    expect(await secondsUntil(async () => false, 2000, undefined, clock)).toBeNull();
    expect(clock.slept).toBe(2000);
    const stop = new AbortController();
    stop.abort();
    expect(await secondsUntil(async () => true, 2000, stop.signal, clock)).toBeNull();
  });
});
