/**
 * A fake clock for code with several waiters at once (clients of a load): time stands still
 * until every waiter sleeps, then jumps to the earliest wake-up. No real time passes.
 */
import type { Clock } from "../../lab/runtime/clock.js";

export function schedulerClock(): Clock & { slept: number } {
  let t = 0;
  let timers: Array<{ at: number; wake: () => void }> = [];
  let scheduled = false;
  const fire = () => {
    scheduled = false;
    timers.sort((a, b) => a.at - b.at);
    const next = timers.shift();
    if (!next) return;
    t = Math.max(t, next.at);
    next.wake();
    schedule();
  };
  // setImmediate runs after every pending promise job: by then each waiter has gone to sleep.
  const schedule = () => {
    if (!scheduled && timers.length > 0) {
      scheduled = true;
      setImmediate(fire);
    }
  };
  const clock = {
    slept: 0,
    now: () => t,
    sleep: (ms: number, signal?: AbortSignal) =>
      new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        clock.slept += ms;
        const timer = { at: t + ms, wake: resolve };
        timers.push(timer);
        signal?.addEventListener("abort", () => {
          timers = timers.filter((x) => x !== timer);
          resolve();
        });
        schedule();
      }),
  };
  return clock;
}
