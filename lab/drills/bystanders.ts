/**
 * What else acts on the lab while a drill runs. The remediator acts on alerts that carry an
 * `action` label; an action landing inside a drill (a scale-up, a redeploy) changes what the drill
 * measures. So a drill waits, saying so, until no such alert is pending and every firing one has
 * had its decision; and its report lists each decision of the remediator and each Swarm service
 * update made during its run, which a failing check prints.
 */

import { promQuery } from "../alerts/prometheus.js";
import { activeAlerts, readDecisions } from "../alerts/remediation.js";
import { type AmAlert, type Decision, describeDecision, incidentKey } from "../alerts/view.js";
import { EXIT, LabError } from "../errors.js";
import type { RunningLab } from "../running/lab.js";
import { type Clock, systemClock } from "../runtime/clock.js";
import type { Log } from "../runtime/log.js";
import type { Bystander } from "./types.js";

/** An alert the remediator may still act on: pending, or firing with no decision yet. */
export interface ActionThreat {
  alertname: string;
  action: string;
  state: "pending" | "firing";
}

/** Pure: the action alerts the remediator has not decided on yet. */
export function undecidedActions(
  pending: Array<Record<string, string>>,
  firing: AmAlert[],
  decisions: Decision[],
): ActionThreat[] {
  const decided = new Set(decisions.map((d) => d.incident));
  const waiting: ActionThreat[] = pending
    .filter((m) => m.action && m.alertstate === "pending")
    .map((m) => ({ alertname: m.alertname ?? "?", action: m.action ?? "?", state: "pending" }));
  for (const a of firing) {
    const action = a.labels.action;
    if (!action || decided.has(incidentKey(a.fingerprint, a.startsAt))) continue;
    waiting.push({ alertname: a.labels.alertname ?? "?", action, state: "firing" });
  }
  return waiting;
}

export const describeThreats = (t: ActionThreat[]) =>
  t.map((a) => `${a.alertname} ${a.state} (action ${a.action})`).join(", ");

interface ServiceSeen {
  Spec?: { Name?: string };
  UpdatedAt?: string;
  Version?: { Index?: number };
  UpdateStatus?: { State?: string; Message?: string };
}

/** Pure: the decisions and service updates between `fromMs` and `toMs`, oldest first. */
export function actedDuring(
  decisions: Decision[],
  services: ServiceSeen[],
  fromMs: number,
  toMs: number,
): Bystander[] {
  const within = (ms: number) => ms >= fromMs && ms <= toMs;
  const acted: Array<Bystander & { ms: number }> = [];
  for (const d of decisions) {
    const ms = d.at * 1000;
    if (!within(ms)) continue;
    acted.push({
      ms,
      at: new Date(ms).toISOString(),
      who: "remediator",
      what: `${describeDecision(d)}${d.alertname ? ` on ${d.alertname}` : ""}${d.reason ? `: ${d.reason}` : ""}`,
    });
  }
  for (const s of services) {
    const ms = Date.parse(s.UpdatedAt ?? "");
    if (!Number.isFinite(ms) || !within(ms)) continue;
    const update = s.UpdateStatus?.State ? `, update ${s.UpdateStatus.State}` : "";
    acted.push({
      ms,
      at: new Date(ms).toISOString(),
      who: "swarm",
      what: `${s.Spec?.Name ?? "?"} changed (spec version ${s.Version?.Index ?? "?"}${update})`,
    });
  }
  return acted.sort((a, b) => a.ms - b.ms).map(({ ms: _, ...b }) => b);
}

/** The action alerts not decided yet; none when the remediator does not answer (it cannot act). */
async function threats(lab: RunningLab, log: Log): Promise<ActionThreat[]> {
  try {
    const [pending, firing, decisions] = await Promise.all([
      promQuery(lab, 'ALERTS{action!="", alertstate="pending"}'),
      activeAlerts(lab),
      readDecisions(lab),
    ]);
    const notInhibited = firing.filter((a) => !a.status.inhibitedBy?.length);
    return undecidedActions(
      pending.map((p) => p.metric),
      notInhibited,
      decisions,
    );
  } catch (err) {
    log.warn(`the remediator's alerts not read (${(err as Error).message}): not waited for`);
    return [];
  }
}

/** Waits up to `maxMs` for the remediator to be done deciding, then refuses. */
export async function awaitQuietRemediator(
  lab: RunningLab,
  log: Log,
  maxMs = 180_000,
  clock: Clock = systemClock,
): Promise<void> {
  const started = clock.now();
  const until = started + maxMs;
  let said = "";
  for (;;) {
    const now = await threats(lab, log);
    if (now.length === 0) {
      if (said)
        log.info(
          `the remediator has decided (waited ${Math.round((clock.now() - started) / 1000)} s)`,
        );
      return;
    }
    const text = describeThreats(now);
    if (text !== said)
      log.info(`waiting for the remediator, a drill now would meet its action: ${text}`);
    said = text;
    if (clock.now() >= until)
      throw new LabError(
        `the remediator may act during the drill: ${text}`,
        "wait for it to act (npm run lab:alerts shows the alert and the decision), or set the remediator to dry-run in swarm-lab.yaml",
        EXIT.notHealthy,
      );
    await clock.sleep(5000);
  }
}

/** What acted on the lab between `fromMs` and now; empty (with a warning) when unreadable. */
export async function readActedDuring(
  lab: RunningLab,
  fromMs: number,
  log: Log,
): Promise<Bystander[]> {
  const [decisions, services] = await Promise.all([
    readDecisions(lab).catch((err) => {
      log.warn(`the remediator's decisions not read: ${(err as Error).message}`);
      return [] as Decision[];
    }),
    lab
      .manager()
      .services.list()
      .catch((err) => {
        log.warn(`Swarm's services not read: ${(err as Error).message}`);
        return [];
      }),
  ]);
  return actedDuring(decisions, services as ServiceSeen[], fromMs, Date.now());
}
