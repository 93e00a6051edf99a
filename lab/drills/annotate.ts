/** Drill events as Grafana annotations (official set: where Grafana runs), after each run. */

import { logServices } from "../logs/read.js";
import type { RunningLab } from "../running/lab.js";
import { basicAuth } from "../runtime/http.js";
import type { Log } from "../runtime/log.js";
import { grafanaCredentials } from "../state/secrets.js";
import type { DrillRun } from "./types.js";

export interface Annotation {
  time: number;
  tags: string[];
  text: string;
}

/** Pure: one annotation per event of the run, at the moment it happened. */
export function annotationsOf(run: DrillRun): Annotation[] {
  const start = Date.parse(run.startedAt);
  return run.events.map((e) => ({
    time: Math.round(start + e.atS * 1000),
    tags: ["drill", run.drill],
    text: `drill ${run.drill}: ${e.what}`,
  }));
}

/** Posts the run's events to Grafana; a lab without Grafana (offline set) is skipped, said once. */
export async function annotateRun(lab: RunningLab, run: DrillRun, log: Log): Promise<void> {
  const { services } = await logServices(lab);
  if (!services.includes("grafana")) {
    log.info("no Grafana in this lab (offline image set): drill events are in the report only");
    return;
  }
  const { user, password } = grafanaCredentials();
  const authorization = basicAuth(user, password);
  for (const a of annotationsOf(run)) {
    const res = await lab.http
      .send("POST", lab.url("grafana", "/api/annotations"), { body: a, headers: { authorization } })
      .catch((err: Error) => ({ status: 0, body: err.message }));
    if (res.status !== 200) {
      log.warn(`Grafana refused a drill annotation: HTTP ${res.status} ${res.body.slice(0, 120)}`);
      return;
    }
  }
}
