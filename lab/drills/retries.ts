/** Pure: which write a drill writer sends next, a retry of its pending one or a new one. */
import { randomUUID } from "node:crypto";

/** How long a writer retries one write (same key, same email) before giving it up. */
export const WRITE_RETRY_BUDGET_MS = 30_000;

/** One logical write: every attempt sends the same body and Idempotency-Key. */
export interface PendingWrite {
  email: string;
  key: string;
  since: number;
}

export class WriteRetries {
  private readonly pending = new Map<number, PendingWrite>();
  /** writes abandoned: still failing when their retry budget ran out */
  givenUp = 0;

  constructor(
    private readonly run: string,
    private readonly budgetMs = WRITE_RETRY_BUDGET_MS,
    private readonly newKey: () => string = randomUUID,
  ) {}

  /** Writer `c`'s next attempt at `now`: its pending write while in budget, else its `n`-th. */
  next(c: number, n: number, now: number): PendingWrite {
    const last = this.pending.get(c);
    if (last && now - last.since <= this.budgetMs) return last;
    if (last) this.givenUp++;
    const write = {
      email: `drill-${this.run}-${c}-${n}@example.org`,
      key: this.newKey(),
      since: now,
    };
    this.pending.set(c, write);
    return write;
  }

  /** Writer `c`'s write was acknowledged: its next attempt is a new write. */
  acknowledged(c: number): void {
    this.pending.delete(c);
  }
}
