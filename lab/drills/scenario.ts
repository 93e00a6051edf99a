/** Traffic runs the whole time; the fault is injected part-way; then the ledger is checked. */
import { performance } from "node:perf_hooks";
import { systemClock } from "../runtime/clock.js";
import { failureOutcomes, lostWrites } from "./analysis.js";
import { presentRows, runTraffic, type TrafficResult } from "./traffic.js";
import type { Check, DrillContext, DrillRun } from "./types.js";

export interface UnderTraffic {
  traffic: TrafficResult;
  /** ms after the traffic started when the fault was injected */
  faultMs: number;
  events: DrillRun["events"];
  lost: string[];
}

/** The event a run records when Ctrl-C came before its fault: the lab was not touched. */
export const NOT_INJECTED = "interrupted before the fault: nothing was injected";

/**
 * Runs the traffic for `opts.durationS` and the fault at `opts.faultAtS`. With `tailS`, the traffic
 * stops that long after the fault's function returned, if that comes first: a fault whose end is
 * known (a deploy) is watched a moment after it, not for the rest of a duration sized for its
 * slowest case.
 */
export async function underTraffic(
  ctx: DrillContext,
  fault: (mark: (what: string) => void) => Promise<void>,
  tailS?: number,
): Promise<UnderTraffic> {
  const { lab, opts } = ctx;
  const stop = new AbortController();
  const headers = await lab.adminHeaders();
  const events: DrillRun["events"] = [];
  const t0 = performance.now();
  const mark = (what: string) => {
    const atS = Math.round(performance.now() - t0) / 1000;
    events.push({ atS, what });
    ctx.log.info(`  ${atS.toFixed(1).padStart(6)} s  ${what}`);
  };
  const trafficDone = runTraffic(lab, headers, {
    writers: opts.writers,
    readers: opts.readers,
    durationMs: opts.durationS * 1000,
    signal: AbortSignal.any([ctx.signal, stop.signal]),
    onSample: ctx.onSample,
  });
  mark(`traffic started: ${opts.writers} writers, ${opts.readers} readers`);
  await systemClock.sleep(opts.faultAtS * 1000, ctx.signal);
  const faultMs = performance.now() - t0;
  if (ctx.signal.aborted) mark(NOT_INJECTED);
  else await fault(mark);
  if (tailS !== undefined && !ctx.signal.aborted) {
    const left = opts.durationS * 1000 - (performance.now() - t0);
    if (left > tailS * 1000) {
      mark(
        `traffic goes on ${tailS} s more, then stops (not the ${opts.durationS} s of --duration)`,
      );
      await systemClock.sleep(tailS * 1000, ctx.signal);
      stop.abort();
    }
  }
  const traffic = await trafficDone;
  mark("traffic stopped");
  const lost = lostWrites(traffic.acknowledged, await presentRows(lab));
  return { traffic, faultMs, events, lost };
}

export function mergedTimeline(t: TrafficResult): DrillRun["timeline"] {
  const length = Math.max(t.writes.timeline.length, t.reads.timeline.length);
  return Array.from({ length }, (_, second) => ({
    second,
    writesOk: t.writes.timeline[second]?.ok ?? 0,
    writesFailed: t.writes.timeline[second]?.failed ?? 0,
    readsOk: t.reads.timeline[second]?.ok ?? 0,
    readsFailed: t.reads.timeline[second]?.failed ?? 0,
  }));
}

/** The check every drill makes: each write the client saw acknowledged is still there. */
export function ledgerCheck(result: UnderTraffic): Check {
  return {
    name: "no acknowledged write lost",
    // "0 of 0 lost" proves nothing: a run that acknowledged no write fails this check.
    ok: result.lost.length === 0 && result.traffic.acknowledged.length > 0,
    detail:
      result.traffic.acknowledged.length === 0
        ? "no write was acknowledged: nothing to check"
        : `${result.lost.length} of ${result.traffic.acknowledged.length}`,
  };
}

/** What every drill run reports besides its own measures: timeline and events. */
export function trace(
  result: UnderTraffic,
): Pick<DrillRun, "timeline" | "events" | "failures" | "passed"> {
  return {
    timeline: mergedTimeline(result.traffic),
    events: result.events,
    failures: {
      writes: failureOutcomes(result.traffic.writes.samples),
      reads: failureOutcomes(result.traffic.reads.samples),
    },
    passed: false,
  };
}

/** The traffic figures every drill reports: failed attempts, retries, the ledger. */
export function trafficMeasures(result: UnderTraffic): Record<string, number> {
  const { writes, reads } = result.traffic;
  return {
    requests: writes.requests + reads.requests,
    failedWrites: writes.failed,
    writesGivenUp: result.traffic.writesGivenUp,
    writesReplayed: result.traffic.writesReplayed,
    failedReads: reads.failed,
    acknowledgedWrites: result.traffic.acknowledged.length,
    lostWrites: result.lost.length,
  };
}
