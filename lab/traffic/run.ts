/** A closed-loop load: `concurrency` clients each send one request after the other until the end. */
import { type Clock, monotonicClock } from "../runtime/clock.js";
import { type LoadSummary, type Sample, summarize } from "./stats.js";

export interface Attempt {
  status: number;
}

export interface LoadOptions {
  concurrency: number;
  durationMs: number;
  /** One request of client `client`, its `n`-th. Throwing counts as a failed request. */
  send: (client: number, n: number) => Promise<Attempt>;
  isOk?: (status: number) => boolean;
  /** Stops early (Ctrl-C, a drill ending). */
  signal?: AbortSignal;
  /** Told of each request as it ends (a live view). */
  onSample?: (ok: boolean) => void;
  /**
   * Paced: all clients together start at most this many requests a second, evenly spread (a
   * latency measured below saturation). Unset: each client sends as soon as its last answer came.
   */
  ratePerSecond?: number;
  /** Time and waits (a fake one in tests); the monotonic system clock otherwise. */
  clock?: Clock;
}

export async function runLoad(opts: LoadOptions): Promise<LoadSummary & { samples: Sample[] }> {
  const isOk = opts.isOk ?? ((s: number) => s >= 200 && s < 400);
  const samples: Sample[] = [];
  const clock = opts.clock ?? monotonicClock;
  const start = clock.now();
  const end = start + opts.durationMs;
  const interval = opts.ratePerSecond ? (1000 * opts.concurrency) / opts.ratePerSecond : 0;
  const client = async (c: number) => {
    let slot = start + (interval * c) / opts.concurrency;
    for (let n = 0; clock.now() < end && !opts.signal?.aborted; n++) {
      if (interval > 0) {
        // The slot's own time decides, not the clock after the wait: a timer may fire up to a
        // millisecond early, which let a slot at the very end through (41 of 40).
        if (slot >= end) break;
        const wait = slot - clock.now();
        if (wait > 0) await clock.sleep(wait);
        slot += interval;
      }
      const t0 = clock.now();
      let outcome: string;
      let ok = false;
      try {
        const { status } = await opts.send(c, n);
        outcome = String(status);
        ok = isOk(status);
      } catch (err) {
        outcome = (err as { code?: string }).code ?? (err as Error).name ?? "error";
      }
      const t1 = clock.now();
      samples.push({ at: t1 - start, ms: t1 - t0, ok, outcome });
      opts.onSample?.(ok);
      if (!ok) await clock.sleep(50); // do not spin on a dead target
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, (_, c) => client(c)));
  return { ...summarize(samples, (clock.now() - start) / 1000), samples };
}
