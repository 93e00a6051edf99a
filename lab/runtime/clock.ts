import { EXIT, LabError } from "../errors.js";

/** Time, injectable so waits can be tested without sleeping. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts (the timer is cleared). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
    }),
};

/** The system's time at sub-millisecond resolution, never going back (paced loads, latencies). */
export const monotonicClock: Clock = {
  now: () => performance.now(),
  sleep: systemClock.sleep,
};

/**
 * `p`, or a LabError naming `what` once `ms` have passed (`onTimeout` may stop the work, e.g.
 * close a stream). The timer is cleared as soon as `p` settles.
 */
export async function withTimeout<T>(
  what: string,
  ms: number,
  p: Promise<T>,
  clock: Clock = systemClock,
  onTimeout?: () => void,
): Promise<T> {
  const timer = new AbortController();
  try {
    return await Promise.race([
      p,
      clock.sleep(ms, timer.signal).then(() => {
        if (timer.signal.aborted) return p; // settled already: the race is over
        onTimeout?.();
        throw new LabError(
          `${what} did not finish within ${ms / 1000} s`,
          "it may hang on a node that is down or overloaded: npm run lab:status shows the lab; run the command again",
          EXIT.failure,
        );
      }),
    ]);
  } finally {
    timer.abort();
  }
}

/** Exits with `code` after `ms` unless the process ends by itself first (the timer is unref'd). */
export function exitSoon(code: number, ms: number): void {
  setTimeout(() => process.exit(code), ms).unref();
}
