/**
 * Pure: what `lab:watch` shows. The collectors fill a WatchState; `buildView` turns it into
 * sections of lines with a tone each, which the terminal screen colours and the plain printer
 * writes as they are. Nothing here does I/O or reads a clock.
 */
import asciichart from "asciichart";
import { humanAge } from "../backup/plan.js";
import type { Member } from "../database/patroni.js";
import { fitView } from "./fit.js";

export type Tone = "ok" | "bad" | "warn" | "dim" | "plain";
export interface Line {
  text: string;
  tone: Tone;
}
export interface Section {
  title: string;
  lines: Line[];
}
/** Rows of one or two sections (side by side), then the traffic chart. */
export interface View {
  title: string;
  rows: Section[][];
  chart: string[];
}

export interface WatchNode {
  name: string;
  /** the node's container or machine: running or stopped */
  running: boolean;
  /** Swarm's view: ready, down, unknown, absent */
  swarm: string;
  role: string;
}
export interface WatchService {
  name: string;
  running: number;
  desired: number;
  /** running tasks per node */
  perNode: Record<string, number>;
  /** tasks that should run and do not yet ("pg1.1 starting on lab-2"), recent failures */
  trouble: string[];
}
/** A database member as Patroni reports it (the container is not shown). */
export type WatchMember = Omit<Member, "container">;
export interface WatchBackup {
  /** seconds since the newest successful backup, by type (full, diff, incr) */
  ageByType: Record<string, number>;
  /** seconds since the last WAL segment was archived */
  walAgeS: number | null;
}
export interface WatchAlert {
  name: string;
  severity: string;
  sinceS: number;
}
/** One second (drill) or one scrape (Prometheus) of traffic at the entry point. */
export interface TrafficPoint {
  at: number;
  okPerS: number;
  failedPerS: number;
}

export interface WatchState {
  lab: string;
  /** epoch ms of the newest refresh */
  at: number;
  nodes?: WatchNode[];
  services?: WatchService[];
  database?: WatchMember[];
  backup?: WatchBackup;
  alerts?: WatchAlert[];
  traffic: TrafficPoint[];
  trafficSource: "prometheus" | "drill";
  /** a drill's progress lines, newest last */
  phases: string[];
  /** what a collector could not read, by section */
  errors: Partial<
    Record<"nodes" | "services" | "database" | "backup" | "alerts" | "traffic", string>
  >;
}

const line = (text: string, tone: Tone = "plain"): Line => ({ text, tone });

function nodeLines(nodes: WatchNode[]): Line[] {
  return nodes.map((n) => {
    const up = n.running && n.swarm === "ready";
    const state = !n.running ? "DOWN (stopped)" : n.swarm === "ready" ? "up" : `DOWN (${n.swarm})`;
    return line(`${n.name.padEnd(14)} ${state.padEnd(16)} ${n.role}`, up ? "ok" : "bad");
  });
}

/** Services in columns: a name with running/desired, a row green when every one is complete. */
function serviceLines(services: WatchService[], width: number): Line[] {
  const cell = 30;
  const perRow = Math.max(1, Math.floor(width / cell));
  const out: Line[] = [];
  const sorted = [...services].sort((a, b) => a.name.localeCompare(b.name));
  for (let i = 0; i < sorted.length; i += perRow) {
    const row = sorted.slice(i, i + perRow);
    const text = row
      .map(
        (s) =>
          `${s.name.padEnd(cell - 8).slice(0, cell - 8)}${`${s.running}/${s.desired}`.padStart(6)}  `,
      )
      .join("");
    out.push(line(text.trimEnd(), row.every((s) => s.running >= s.desired) ? "ok" : "warn"));
  }
  return out;
}

/** Each service that lacks tasks or restarts: where its tasks run and what goes wrong. */
function troubleLines(services: WatchService[]): Line[] {
  const sorted = [...services].sort((a, b) => a.name.localeCompare(b.name));
  return sorted
    .filter((v) => v.running < v.desired || v.trouble.length)
    .map((s) => {
      const where = Object.entries(s.perNode)
        .map(([n, c]) => `${n}:${c}`)
        .join(" ");
      return line(
        `${s.name} ${s.running}/${s.desired}${where ? ` [${where}]` : ""}: ${s.trouble.join("; ") || "missing tasks"}`,
        s.running < s.desired ? "bad" : "warn",
      );
    });
}

function memberLines(members: WatchMember[]): Line[] {
  if (members.length === 0) return [line("no member answers", "bad")];
  const leader = members.some((m) => m.role === "leader" && m.state === "running");
  return [
    ...members.map((m) =>
      line(
        `${m.name.padEnd(5)}${m.role.padEnd(13)}${m.state.padEnd(10)}${`tl ${m.timeline ?? "-"}`.padEnd(6)}${`lag ${m.lag === null ? "-" : m.lag}`.padEnd(10)}${m.node}`,
        m.state !== "running" && m.state !== "streaming"
          ? "bad"
          : m.role === "leader"
            ? "ok"
            : "plain",
      ),
    ),
    ...(leader ? [] : [line("no primary: writes wait for a promotion", "bad")]),
  ];
}

function backupLines(b: WatchBackup): Line[] {
  const types = Object.entries(b.ageByType).sort((x, y) => x[1] - y[1]);
  const newest = types[0];
  return [
    line(
      newest
        ? [
            `newest ${newest[0]} ${humanAge(newest[1])} ago`,
            ...types.slice(1).map(([t, v]) => `${t} ${humanAge(v)}`),
          ].join(", ")
        : "no backup yet",
      newest ? "plain" : "warn",
    ),
    line(`WAL archived ${b.walAgeS === null ? "never" : `${humanAge(b.walAgeS)} ago`}`, "dim"),
  ];
}

function alertLines(alerts: WatchAlert[]): Line[] {
  if (alerts.length === 0) return [line("none firing", "ok")];
  return alerts
    .sort((a, b) => a.sinceS - b.sinceS)
    .map((a) =>
      line(
        `${a.severity.padEnd(9)} ${a.name} (${humanAge(a.sinceS)})`,
        a.severity === "critical" ? "bad" : "warn",
      ),
    );
}

/** The last `width` points of traffic as a chart (ok and failed per second), newest right. */
export function trafficChart(
  points: TrafficPoint[],
  width: number,
  color = false,
  height = 6,
): string[] {
  const shown = points.slice(-Math.max(10, width - 12));
  if (shown.length < 2) return ["(waiting for traffic samples)"];
  const ok = shown.map((p) => p.okPerS);
  const failed = shown.map((p) => p.failedPerS);
  const digits = Math.max(...ok, ...failed) < 10 ? 1 : 0;
  return asciichart
    .plot([ok, failed], {
      height,
      format: (x: number) => x.toFixed(digits).padStart(6),
      ...(color ? { colors: [asciichart.green, asciichart.red] } : {}),
    })
    .split("\n");
}

function withError(lines: Line[] | undefined, error: string | undefined): Line[] {
  return [
    ...(lines ?? (error ? [] : [line("reading...", "dim")])),
    ...(error ? [line(`cannot read: ${error}`, "bad")] : []),
  ];
}

export function buildView(state: WatchState, width: number, color = false, height = 45): View {
  const e = state.errors;
  const last = state.traffic.at(-1);
  const totals = last
    ? `now ${last.okPerS.toFixed(1)} ok/s, ${last.failedPerS.toFixed(1)} failed/s`
    : "no sample yet";
  const trouble = state.services ? troubleLines(state.services) : [];
  const rows: Section[][] = [
    [
      { title: "Nodes", lines: withError(state.nodes && nodeLines(state.nodes), e.nodes) },
      {
        title: "Database (Patroni)",
        lines: withError(state.database && memberLines(state.database), e.database),
      },
    ],
    [
      {
        title: "Services (running/desired)",
        lines: withError(state.services && serviceLines(state.services, width - 4), e.services),
      },
    ],
    [
      { title: "Backups", lines: withError(state.backup && backupLines(state.backup), e.backup) },
      {
        title: "Alerts firing",
        lines: withError(state.alerts && alertLines(state.alerts), e.alerts),
      },
    ],
  ];
  if (trouble.length) rows.push([{ title: "Tasks starting or failing", lines: trouble }]);
  if (state.phases.length) rows.push([{ title: "Drill", lines: state.phases.map((p) => line(p)) }]);
  rows.push([
    {
      title: `Traffic (${state.trafficSource === "drill" ? "the drill's requests" : "Prometheus, entry point"}): ${totals}; ok and failed per second`,
      lines: e.traffic ? [line(`cannot read: ${e.traffic}`, "bad")] : [],
    },
  ]);
  const clock = new Date(state.at).toISOString().slice(11, 19);
  return fitView(
    { title: `swarm-lab ${state.lab}  ${clock} UTC  (q or Ctrl-C to leave)`, rows, chart: [] },
    height,
    (h) => trafficChart(state.traffic, width, color, h),
  );
}
