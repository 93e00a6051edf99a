/** Pure: Alertmanager's alerts and the receiver's notifications -> what `lab:alerts` shows. */

export interface AmAlert {
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  status: { state: string; inhibitedBy?: string[]; silencedBy?: string[] };
}

export interface Notification {
  received: number;
  status: "firing" | "resolved";
  alertname: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  fingerprint: string;
}

/** One decision of the remediator (GET /decisions). */
export interface Decision {
  at: number;
  result: string;
  reason: string;
  action: string;
  service: string;
  alertname: string;
  incident: string;
  change: Record<string, unknown>;
  dry_run: boolean;
}

/** The remediator's incident key: fingerprint and start instant (ms), as it writes it. */
export const incidentKey = (fingerprint: string, startsAt: string) =>
  `${fingerprint}@${(Date.parse(startsAt) / 1000).toFixed(3)}`;

const ACTED = new Set(["act", "dry_run", "failed"]);

/** Pure: "scale-up app 3->4", "backup (dry-run)", ... for the decisions that did something. */
export function describeDecision(d: Decision): string {
  const change =
    d.change.kind === "scale" ? ` ${String(d.change.from)}->${String(d.change.to)}` : "";
  const how = d.result === "act" ? "" : ` (${d.result === "dry_run" ? "dry-run" : d.result})`;
  return `${d.action} ${d.service}${change}${how}`;
}

function actionsOf(decisions: Decision[], fingerprint: string, startsAt: string): string[] {
  const key = incidentKey(fingerprint, startsAt);
  return decisions.filter((d) => d.incident === key && ACTED.has(d.result)).map(describeDecision);
}

export interface ActionRecord {
  at: string;
  action: string;
  service: string;
  alert: string;
  result: string;
  detail: string;
}

/** Decisions that acted (or would have, in dry-run), or failed, within the window; newest last. */
export function recentActions(
  decisions: Decision[],
  nowMs: number,
  windowS: number,
): ActionRecord[] {
  return decisions
    .filter((d) => ACTED.has(d.result) && nowMs - d.at * 1000 <= windowS * 1000)
    .map((d) => ({
      at: new Date(d.at * 1000).toISOString(),
      action: d.action,
      service: d.service,
      alert: d.alertname,
      result: d.result,
      detail: d.result === "act" ? describeDecision(d) : d.reason,
    }));
}

export interface FiringAlert {
  alert: string;
  severity: string;
  team: string;
  state: string;
  since: string;
  where: string;
  summary: string;
  runbook: string;
  /** The lab's receiver got the firing notification (Alertmanager waits group_wait first). */
  notified: boolean;
  /** What the remediator did about it */
  actions: string[];
}

export interface ResolvedAlert {
  alert: string;
  severity: string;
  started: string;
  ended: string;
  lastedS: number;
  where: string;
  summary: string;
  actions: string[];
}

const where = (labels: Record<string, string>) =>
  labels.node ?? labels.instance ?? labels.swarm_service ?? labels.application_name ?? "";

export function firing(
  alerts: AmAlert[],
  notifications: Notification[] = [],
  decisions: Decision[] = [],
): FiringAlert[] {
  // By instant, not text: the API writes "…10.670Z" where the webhook wrote "…10.67Z".
  const key = (fingerprint: string, at: string) => `${fingerprint}/${Date.parse(at)}`;
  const told = new Set(
    notifications.filter((n) => n.status === "firing").map((n) => key(n.fingerprint, n.startsAt)),
  );
  return alerts
    .map((a) => ({
      alert: a.labels.alertname ?? "",
      severity: a.labels.severity ?? "",
      team: a.labels.team ?? "",
      state: a.status.inhibitedBy?.length ? "inhibited" : a.status.state,
      since: a.startsAt,
      where: where(a.labels),
      summary: a.annotations.summary ?? "",
      runbook: a.annotations.runbook ?? "",
      notified: told.has(key(a.fingerprint, a.startsAt)),
      actions: actionsOf(decisions, a.fingerprint, a.startsAt),
    }))
    .sort((a, b) => a.since.localeCompare(b.since));
}

/** Alerts the receiver was told were resolved within `windowS` before `nowMs`, newest first. */
export function recentlyResolved(
  notifications: Notification[],
  nowMs: number,
  windowS: number,
  decisions: Decision[] = [],
): ResolvedAlert[] {
  const seen = new Set<string>();
  return notifications
    .filter((n) => n.status === "resolved" && nowMs - Date.parse(n.endsAt) <= windowS * 1000)
    .sort((a, b) => Date.parse(b.endsAt) - Date.parse(a.endsAt))
    .filter((n) => {
      const key = `${n.fingerprint}/${n.startsAt}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((n) => ({
      alert: n.alertname,
      severity: n.labels.severity ?? "",
      started: n.startsAt,
      ended: n.endsAt,
      lastedS: Math.round((Date.parse(n.endsAt) - Date.parse(n.startsAt)) / 1000),
      where: where(n.labels),
      summary: n.annotations.summary ?? "",
      actions: actionsOf(decisions, n.fingerprint, n.startsAt),
    }));
}
