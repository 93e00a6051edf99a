/** Reads Alertmanager's API and the local receiver's notifications, through Traefik. */

import { EXIT, LabError } from "../errors.js";
import type { RunningLab } from "../running/lab.js";
import { basicAuth } from "../runtime/http.js";
import { dashboardCredentials } from "../state/secrets.js";
import type { AmAlert, Decision, Notification } from "./view.js";

export async function getJson<T>(
  lab: RunningLab,
  path: string,
  what: string,
  timeoutMs?: number,
): Promise<T> {
  const { user, password } = dashboardCredentials();
  const authorization = basicAuth(user, password);
  const hint = "npm run lab:status shows its task; npm run lab:up starts it again";
  let res: Awaited<ReturnType<typeof lab.http.send>>;
  try {
    res = await lab.http.send("GET", lab.url("alerts", path), {
      headers: { authorization },
      ...(timeoutMs ? { timeoutMs } : {}),
    });
  } catch (err) {
    throw new LabError(`${what} does not answer: ${(err as Error).message}`, hint, EXIT.notRunning);
  }
  if (res.status !== 200) {
    throw new LabError(
      `${what} does not answer: HTTP ${res.status} ${res.body.slice(0, 200)}`,
      hint,
      EXIT.notRunning,
    );
  }
  return JSON.parse(res.body) as T;
}

export async function readAlerts(
  lab: RunningLab,
): Promise<{ alerts: AmAlert[]; notifications: Notification[]; decisions: Decision[] }> {
  const [alerts, notifications, decisions] = await Promise.all([
    getJson<AmAlert[]>(lab, "/api/v2/alerts", "Alertmanager"),
    getJson<Notification[]>(lab, "/receiver/notifications", "the lab's alert receiver"),
    getJson<Decision[]>(lab, "/remediator/decisions", "the remediator"),
  ]);
  return { alerts, notifications, decisions };
}
