/** Reads a service's logs from the store the lab runs (VictoriaLogs offline, Loki official). */

import { EXIT, LabError } from "../errors.js";
import { names } from "../plan/names.js";
import type { RunningLab } from "../running/lab.js";
import { basicAuth } from "../runtime/http.js";
import { dashboardCredentials, grafanaCredentials } from "../state/secrets.js";
import { type LogLine, type LogStore, type LogsRequest, logsQuery, parseLogs } from "./query.js";

/** The stack's services (short names) and which log store runs among them. */
export async function logServices(
  lab: RunningLab,
): Promise<{ services: string[]; store: LogStore | undefined }> {
  const stack = names.stack(lab.config.name);
  const found = (await lab
    .manager()
    .services.list({ label: [`com.docker.stack.namespace=${stack}`] })) as Array<{
    Spec: { Name: string };
  }>;
  const services = found.map((s) => s.Spec.Name.slice(stack.length + 1)).sort();
  const store = services.includes("victorialogs")
    ? "victorialogs"
    : services.includes("loki")
      ? "loki"
      : undefined;
  return { services, store };
}

/** One query; a store that does not answer is exit 5 with what to do. */
export async function queryLogs(
  lab: RunningLab,
  store: LogStore,
  req: LogsRequest,
  nowMs = Date.now(),
): Promise<LogLine[]> {
  const { path, params } = logsQuery(store, req, nowMs);
  const qs = new URLSearchParams(params).toString();
  const [url, auth] =
    store === "victorialogs"
      ? [lab.url("logs", `${path}?${qs}`), dashboardCredentials()]
      : [lab.url("grafana", `/api/datasources/proxy/uid/loki${path}?${qs}`), grafanaCredentials()];
  const hint =
    "npm run lab:status shows the log store's tasks; npm run lab:up starts it again (its volume keeps the logs)";
  let res: Awaited<ReturnType<typeof lab.http.send>>;
  try {
    res = await lab.http.send("GET", url, {
      headers: { authorization: basicAuth(auth.user, auth.password) },
      timeoutMs: 15_000,
    });
  } catch (err) {
    throw new LabError(
      `the log store (${store}) does not answer: ${(err as Error).message}`,
      hint,
      EXIT.notRunning,
    );
  }
  if (res.status === 400) {
    throw new LabError(`the log store refused the query: ${res.body.slice(0, 300)}`);
  }
  if (res.status !== 200) {
    throw new LabError(
      `the log store (${store}) does not answer: HTTP ${res.status} ${res.body.slice(0, 200).trim()}`,
      hint,
      EXIT.notRunning,
    );
  }
  return parseLogs(store, res.body);
}
