/**
 * Pure: the four DORA delivery metrics from the delivery history, with the definitions and the
 * performance bands Apache DevLake uses (DORA's State of DevOps report, 2023).
 */
import type { Delivery } from "./plan.js";

export interface Incident {
  /** when an alert started firing (ISO 8601) */
  at: string;
  name: string;
}

export interface Kpis {
  windowDays: number;
  from: string;
  to: string;
  deployments: number;
  /** successful deployments a week, and DORA's band */
  deploymentsPerWeek: number;
  deploymentFrequency: string;
  /** median hours from a deployed commit's time to its deployment finishing */
  leadTimeHours: number | null;
  leadTime: string;
  /** failed changes (rolled back, failed, or followed by an incident) over deployments */
  changeFailureRate: number | null;
  changeFailure: string;
  failedChanges: number;
  /** median minutes from a failed change to the service restored */
  timeToRestoreMinutes: number | null;
  timeToRestore: string;
}

export const DEFINITIONS = {
  deploymentFrequency:
    "how often a change reaches production: successful deploys (not rollbacks) in the window, per week. Elite: on demand (several a day); high: between once a day and once a week; medium: between once a week and once a month; low: less than once a month",
  leadTime:
    "median time from a change's commit to its deployment finishing. Elite: under a day; high: a day to a week; medium: a week to a month; low: over a month",
  changeFailureRate:
    "share of deployments that failed in production: rolled back (automatically or by lab:rollback), failed, or followed by a critical alert (an incident: it pages a person) within the incident window. Elite: 0-5%; high: 5-10%; medium: 10-15%; low: over 15%",
  timeToRestore:
    "median time from a failed deployment starting to the service restored: its automatic rollback done, or the next successful deploy or rollback finishing. Elite: under an hour; high: under a day; medium: under a week; low: a week or more",
} as const;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const endOf = (d: Delivery) => Date.parse(d.at) + d.durationS * 1000;

/** Daily or more: on demand; weekly; monthly; less. */
function frequencyBand(perWeek: number): string {
  if (perWeek === 0) return "none";
  if (perWeek >= 7) return "elite (on demand, daily or more)";
  if (perWeek >= 1) return "high (between once a day and once a week)";
  if (perWeek >= 1 / 4.345) return "medium (between once a week and once a month)";
  return "low (less than once a month)";
}

function band(value: number | null, limits: [number, string][], last: string): string {
  if (value === null) return "no data";
  for (const [max, name] of limits) if (value < max) return name;
  return last;
}

export function computeKpis(
  history: Delivery[],
  incidents: Incident[],
  now: Date,
  windowDays = 30,
  incidentWindowMinutes = 60,
): Kpis {
  const to = now.getTime();
  const from = to - windowDays * DAY;
  const inWindow = history
    .filter((d) => Date.parse(d.at) >= from && Date.parse(d.at) <= to)
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const deploys = inWindow.filter((d) => d.kind === "deploy");
  const successful = deploys.filter((d) => d.result === "succeeded");
  const weeks = windowDays / 7;
  const perWeek = successful.length / weeks;

  const leads = successful
    .filter((d) => d.commitAt)
    .map((d) => (endOf(d) - Date.parse(d.commitAt as string)) / HOUR);
  const leadTimeHours = median(leads);

  // An incident belongs to the last deploy that started before it (as DevLake attributes them),
  // when it fired within the incident window after that deploy ended.
  const blamed = new Set<Delivery>();
  for (const i of incidents) {
    const at = Date.parse(i.at);
    const last = deploys.filter((d) => Date.parse(d.at) <= at).at(-1);
    if (last && at <= endOf(last) + incidentWindowMinutes * 60_000) blamed.add(last);
  }
  const incidentAfter = (d: Delivery) => blamed.has(d);
  const failed = deploys.filter((d) => d.result !== "succeeded" || incidentAfter(d));
  const changeFailureRate = deploys.length ? failed.length / deploys.length : null;

  const restores = failed.map((d) => {
    if (d.result === "rolled-back" && d.rollbackS != null)
      return (endOf(d) - Date.parse(d.at)) / 60_000;
    const next = inWindow.find(
      (n) => Date.parse(n.at) > Date.parse(d.at) && n !== d && n.result === "succeeded",
    );
    return next ? (endOf(next) - Date.parse(d.at)) / 60_000 : null;
  });
  const timeToRestoreMinutes = median(restores.filter((r): r is number => r !== null));

  const round = (x: number | null, digits = 2) => (x === null ? null : Number(x.toFixed(digits)));
  return {
    windowDays,
    from: new Date(from).toISOString(),
    to: now.toISOString(),
    deployments: deploys.length,
    deploymentsPerWeek: round(perWeek) as number,
    deploymentFrequency: frequencyBand(perWeek),
    leadTimeHours: round(leadTimeHours),
    leadTime: band(
      leadTimeHours,
      [
        [24, "elite (under a day)"],
        [24 * 7, "high (a day to a week)"],
        [24 * 30, "medium (a week to a month)"],
      ],
      "low (over a month)",
    ),
    changeFailureRate: round(changeFailureRate, 4),
    changeFailure: band(
      changeFailureRate,
      [
        [0.05, "elite (0-5%)"],
        [0.1, "high (5-10%)"],
        [0.15, "medium (10-15%)"],
      ],
      "low (over 15%)",
    ),
    failedChanges: failed.length,
    timeToRestoreMinutes: round(timeToRestoreMinutes),
    timeToRestore: band(
      timeToRestoreMinutes,
      [
        [60, "elite (under an hour)"],
        [60 * 24, "high (under a day)"],
        [60 * 24 * 7, "medium (under a week)"],
      ],
      "low (a week or more)",
    ),
  };
}
