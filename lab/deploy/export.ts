/**
 * The delivery KPIs exported for Prometheus: written into every running node-exporter's textfile
 * directory (compose/lab.yml), renamed into place so a scrape never reads half a file.
 */
import { readAlerts } from "../alerts/read.js";
import type { RunningLab } from "../running/lab.js";
import type { Log } from "../runtime/log.js";
import { readDeliveries } from "../state/deliveries.js";
import { computeKpis, type Incident } from "./kpi.js";
import { kpiMetrics, METRICS_FILE } from "./metrics.js";

const WINDOW_DAYS = 30;
const INCIDENT_WINDOW_MIN = 60;

/** Critical alerts the lab's receiver was notified of: each is an incident. */
export async function incidents(lab: RunningLab): Promise<Incident[]> {
  const { notifications } = await readAlerts(lab);
  return notifications
    .filter((n) => n.status === "firing" && n.labels.severity === "critical")
    .map((n) => ({ at: n.startsAt, name: n.alertname }));
}

/** Writes the KPIs to the exporters; returns how many took them. Never fails the caller. */
export async function exportKpis(lab: RunningLab, log: Log): Promise<number> {
  const known = await incidents(lab).catch(() => [] as Incident[]);
  const history = readDeliveries();
  const text = kpiMetrics(
    computeKpis(history, known, new Date(), WINDOW_DAYS, INCIDENT_WINDOW_MIN),
    history,
    `${WINDOW_DAYS}d`,
  );
  const label = `com.docker.swarm.service.name=${lab.config.name}_node-exporter`;
  const write = [
    "sh",
    "-c",
    `cat > /textfile/.${METRICS_FILE}.tmp && mv /textfile/.${METRICS_FILE}.tmp /textfile/${METRICS_FILE}`,
  ];
  let written = 0;
  for (const node of lab.nodes.filter((n) => n.running)) {
    try {
      const engine = lab.driver.engine(node);
      for (const c of await engine.containers.list({ label: [label] })) {
        const r = await engine.containers.execWithInput(c.Id, write, Buffer.from(text), "root");
        if (r.code === 0) written++;
        else log.warn(`delivery KPIs not written on ${node.name}: ${r.stdout.trim()}`);
      }
    } catch (err) {
      log.warn(`delivery KPIs not written on ${node.name}: ${(err as Error).message}`);
    }
  }
  log.detail(`  delivery KPIs exported to ${written} node-exporter(s)`);
  return written;
}
