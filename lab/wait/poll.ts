/** One wait strategy: poll until a check passes, and on timeout say what was waited for. */
import { LabError } from "../errors.js";
import { type Clock, systemClock } from "../runtime/clock.js";

export interface CheckResult {
  ok: boolean;
  /** What the check saw, used in the timeout message ("2/3 tasks running"). */
  detail: string;
}

/** Thrown by a check when waiting longer cannot help (wrong credentials, not "not yet"). */
export class WaitAborted extends LabError {}

export async function waitFor(
  what: string,
  check: () => Promise<CheckResult>,
  opts: { timeoutMs: number; intervalMs?: number; clock?: Clock; hint?: string },
): Promise<void> {
  const clock = opts.clock ?? systemClock;
  const start = clock.now();
  let last: CheckResult = { ok: false, detail: "not checked yet" };
  for (;;) {
    try {
      last = await check();
    } catch (err) {
      if (err instanceof WaitAborted) throw err;
      last = { ok: false, detail: (err as Error).message };
    }
    if (last.ok) return;
    const elapsed = clock.now() - start;
    if (elapsed >= opts.timeoutMs) {
      throw new LabError(
        `${what}: not ready after ${Math.round(elapsed / 1000)} s (last seen: ${last.detail})`,
        opts.hint,
      );
    }
    await clock.sleep(opts.intervalMs ?? 1000);
  }
}
