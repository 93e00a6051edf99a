/** A drill: inject a real fault under real load, observe, restore, and judge by numbers. */

import type { Strategy } from "../deploy/plan.js";
import type { RunningLab } from "../running/lab.js";
import type { Log } from "../runtime/log.js";

export interface DrillOptions {
  durationS: number;
  faultAtS: number;
  writers: number;
  readers: number;
  /** node index for node-down (default: the node of the database primary) */
  node?: number;
  /** node-down: seconds the node stays off (default 30; 80 or more also checks the alerting) */
  offS?: number;
  /** app-replica: KILL (a crash, the default) or TERM (a graceful stop) */
  signal?: "KILL" | "TERM";
  /** deploy: a version whose readiness fails, which must be rolled back */
  broken?: boolean;
  /** deploy: the new version carries the example expand migration (undone afterwards) */
  expand?: boolean;
  /** deploy: rolling (the default) or blue-green */
  strategy?: Strategy;
}

export interface DrillContext {
  lab: RunningLab;
  log: Log;
  opts: DrillOptions;
  signal: AbortSignal;
  /** Things to undo if the drill stops early (Ctrl-C, an error): run in reverse order. */
  onAbort(restore: () => Promise<void>): void;
  /** Told of every request of the drill's traffic as it ends (the live view draws them). */
  onSample?: (ok: boolean) => void;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** Something else that acted on the lab during a run: a remediator decision, a service update. */
export interface Bystander {
  at: string;
  who: "remediator" | "swarm";
  what: string;
}

export interface DrillRun {
  drill: string;
  startedAt: string;
  measures: Record<string, number | string | null>;
  checks: Check[];
  timeline: Array<{
    second: number;
    writesOk: number;
    writesFailed: number;
    readsOk: number;
    readsFailed: number;
  }>;
  events: Array<{ atS: number; what: string }>;
  /** what else acted on the lab during the run (the drill's own service changes included) */
  actedDuring?: Bystander[];
  /** failed requests by outcome (HTTP status or error code), e.g. { "503": 29 } */
  failures?: { writes: Record<string, number>; reads: Record<string, number> };
  passed: boolean;
}

export interface Drill {
  name: string;
  summary: string;
  run(ctx: DrillContext): Promise<DrillRun>;
}
