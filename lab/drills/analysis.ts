/** Pure: what a drill's samples say (unavailability windows, failures, lost writes). */
import type { Sample } from "../traffic/stats.js";

/** Longest time (s) with no successful request, counted from the fault (or the start). */
export function longestOutage(samples: Sample[], fromMs = 0): number {
  const okTimes = samples
    .filter((s) => s.ok && s.at >= fromMs)
    .map((s) => s.at)
    .sort((a, b) => a - b);
  const last = samples.reduce((m, s) => Math.max(m, s.at), 0);
  let previous = fromMs;
  let longest = 0;
  for (const t of okTimes) {
    longest = Math.max(longest, t - previous);
    previous = t;
  }
  longest = Math.max(longest, last - previous);
  return Math.round(longest) / 1000;
}

/**
 * Seconds from the fault until requests succeed again and keep succeeding (no failure after);
 * 0 when none failed; null when none succeeded after the fault (no sample says it recovered).
 */
export function recoverySeconds(samples: Sample[], faultMs: number): number | null {
  const after = samples.filter((s) => s.at >= faultMs).sort((a, b) => a.at - b.at);
  if (!after.some((s) => s.ok)) return null;
  const lastFailure = after.filter((s) => !s.ok).at(-1);
  if (!lastFailure) return 0;
  const firstOkAfter = after.find((s) => s.ok && s.at > lastFailure.at);
  return firstOkAfter ? Math.round(firstOkAfter.at - faultMs) / 1000 : null;
}

/**
 * The fault's own outage, apart from blips after it: seconds from the fault to the first success
 * that `quietMs` without a failure follows (the service is back, and stays back a while). 0 when
 * nothing failed before that; null when no success after the fault is followed by such a quiet
 * stretch. `failuresAfter` counts what still failed once it was back (a late blip has another
 * cause than the fault's outage, and is reported as such, not folded into it).
 */
export function outageEnd(
  samples: Sample[],
  faultMs: number,
  quietMs = 5000,
): { seconds: number | null; failuresAfter: number } {
  const after = samples.filter((s) => s.at >= faultMs).sort((a, b) => a.at - b.at);
  const failures = after.filter((s) => !s.ok).map((s) => s.at);
  const back = after.find((s) => s.ok && !failures.some((f) => f > s.at && f <= s.at + quietMs));
  if (!back) return { seconds: null, failuresAfter: failures.length };
  const failedBefore = failures.some((f) => f < back.at);
  return {
    seconds: failedBefore ? Math.round(back.at - faultMs) / 1000 : 0,
    failuresAfter: failures.filter((f) => f > back.at).length,
  };
}

/** Failed requests counted by outcome (HTTP status or error code): what to look at first. */
export function failureOutcomes(samples: Sample[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of samples) if (!s.ok) counts[s.outcome] = (counts[s.outcome] ?? 0) + 1;
  return counts;
}

/** Acknowledged ids that are not found afterwards. */
export function lostWrites(acknowledged: string[], present: Set<string>): string[] {
  return acknowledged.filter((id) => !present.has(id));
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export interface DataLoss {
  /** acknowledged writes missing after the restore */
  lost: number;
  /** seconds of acknowledged writes lost: from the oldest lost one to the disaster (0: none) */
  rpoS: number;
  /** missing writes acknowledged before `cutoffMs`: these the repository had to keep */
  lostBeforeCutoff: number;
}

/** RPO from the ledger: which acknowledged writes a restore lost, and how far back they go. */
export function dataLoss(
  acknowledged: string[],
  acknowledgedAt: number[],
  lostIds: Set<string>,
  disasterMs: number,
  cutoffMs: number,
): DataLoss {
  const lostAt = acknowledged.flatMap((id, i) => (lostIds.has(id) ? [acknowledgedAt[i] ?? 0] : []));
  const oldest = lostAt.length ? Math.min(...lostAt) : disasterMs;
  return {
    lost: lostAt.length,
    rpoS: Math.max(0, Math.round(disasterMs - oldest) / 1000),
    lostBeforeCutoff: lostAt.filter((t) => t < cutoffMs).length,
  };
}

/**
 * The last moment (epoch ms) the primary was still writing into `lastArchived` or an earlier
 * segment: every write acknowledged before it is in the archive. 0 when no sample says so.
 * Segment names sort in WAL order (timeline, then position).
 */
export function archivedUpTo(
  samples: Array<{ at: number; segment: string }>,
  lastArchived: string,
): number {
  if (!lastArchived) return 0;
  return samples.filter((s) => s.segment <= lastArchived).reduce((m, s) => Math.max(m, s.at), 0);
}
