/** What the alerting shows while a node is off: NodeDown, and the per-service alerts it inhibits. */

import { activeAlerts } from "../alerts/remediation.js";
import type { RunningLab } from "../running/lab.js";
import { systemClock } from "../runtime/clock.js";

export interface NodeAlerts {
  /** seconds from `sinceMs` until Alertmanager had NodeDown for the node (null: not seen) */
  nodeDownS: number | null;
  /** per-service alerts on that node that Alertmanager held back because of NodeDown */
  inhibited: string[];
}

/** Polls Alertmanager every 2 s until `untilMs`. */
export async function watchNodeAlerts(
  lab: RunningLab,
  node: string,
  sinceMs: number,
  untilMs: number,
  signal: AbortSignal,
): Promise<NodeAlerts> {
  const out: NodeAlerts = { nodeDownS: null, inhibited: [] };
  while (Date.now() < untilMs && !signal.aborted) {
    const alerts = await activeAlerts(lab).catch(() => []);
    const mine = alerts.filter((a) => a.labels.node === node);
    if (out.nodeDownS === null && mine.some((a) => a.labels.alertname === "NodeDown")) {
      out.nodeDownS = Math.round((Date.now() - sinceMs) / 100) / 10;
    }
    for (const a of mine) {
      const name = a.labels.alertname ?? "";
      if (a.status.inhibitedBy?.length && !out.inhibited.includes(name)) out.inhibited.push(name);
    }
    await systemClock.sleep(Math.max(0, Math.min(2000, untilMs - Date.now())));
  }
  return out;
}
