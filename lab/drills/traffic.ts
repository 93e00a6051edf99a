/** The drills' traffic: writers and readers over HTTPS through the entry point, and a ledger. */
import { randomUUID } from "node:crypto";
import type { RunningLab } from "../running/lab.js";
import { runLoad } from "../traffic/run.js";
import type { LoadSummary, Sample } from "../traffic/stats.js";
import { WriteRetries } from "./retries.js";

export interface TrafficResult {
  writes: LoadSummary & { samples: Sample[] };
  reads: LoadSummary & { samples: Sample[] };
  /**
   * Users whose creation the API acknowledged (201), as "id,email": the email makes a row unique
   * even after a restore, when the id sequence goes back and new rows reuse lost ids.
   */
  acknowledged: string[];
  /** when each acknowledgement arrived (epoch ms), same order as acknowledged */
  acknowledgedAt: number[];
  /** writes abandoned: still failing when their retry budget ran out */
  writesGivenUp: number;
  /** retries answered with the first answer (Idempotent-Replayed): the first one wrote */
  writesReplayed: number;
}

export async function runTraffic(
  lab: RunningLab,
  headers: Record<string, string>,
  opts: {
    writers: number;
    readers: number;
    durationMs: number;
    signal?: AbortSignal;
    onSample?: (ok: boolean) => void;
  },
): Promise<TrafficResult> {
  const acknowledged: string[] = [];
  const acknowledgedAt: number[] = [];
  const run = randomUUID().slice(0, 8);
  const timeoutMs = 5000;
  const retries = new WriteRetries(run);
  let writesReplayed = 0;
  const [writes, reads] = await Promise.all([
    runLoad({
      concurrency: opts.writers,
      durationMs: opts.durationMs,
      signal: opts.signal,
      onSample: opts.onSample,
      send: async (c, n) => {
        const write = retries.next(c, n, Date.now());
        const res = await lab.http.send("POST", lab.url("app", "/users"), {
          body: { email: write.email },
          headers: { ...headers, "Idempotency-Key": write.key },
          timeoutMs,
        });
        if (res.status === 201) {
          retries.acknowledged(c);
          if (res.headers["idempotent-replayed"] === "true") writesReplayed++;
          const user = JSON.parse(res.body) as { id: number; email: string };
          acknowledged.push(`${user.id},${user.email}`);
          acknowledgedAt.push(Date.now());
        }
        return res;
      },
    }),
    runLoad({
      concurrency: opts.readers,
      durationMs: opts.durationMs,
      signal: opts.signal,
      onSample: opts.onSample,
      send: () =>
        lab.http.send("GET", lab.url("app", "/users?limit=20&sort=-id"), { headers, timeoutMs }),
    }),
  ]);
  // A write still failing when the traffic stopped ran out of time, not of budget: not counted.
  return {
    writes,
    reads,
    acknowledged,
    acknowledgedAt,
    writesGivenUp: retries.givenUp,
    writesReplayed,
  };
}

/** Every drill user in the database ("id,email"), read through the API's CSV export. */
export async function presentRows(lab: RunningLab): Promise<Set<string>> {
  const res = await lab.http.send("GET", lab.url("app", "/users/export.csv?q=drill-"), {
    headers: await lab.adminHeaders(),
    timeoutMs: 60_000,
  });
  if (res.status !== 200) throw new Error(`export for the ledger check failed: HTTP ${res.status}`);
  return new Set(
    res.body
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => line.split(",").slice(0, 2).join(",")),
  );
}
