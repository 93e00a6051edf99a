/** Prometheus' instant query API, through Traefik with the dashboards' login. */
import type { RunningLab } from "../running/lab.js";
import { basicAuth } from "../runtime/http.js";
import { dashboardCredentials } from "../state/secrets.js";

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** The result vector of `query` now; throws with Prometheus' own error when it refuses. */
export async function promQuery(
  lab: RunningLab,
  query: string,
  timeoutMs = 10_000,
): Promise<PromSample[]> {
  const { user, password } = dashboardCredentials();
  const res = await lab.http.send(
    "GET",
    lab.url("prometheus", `/api/v1/query?query=${encodeURIComponent(query)}`),
    { headers: { authorization: basicAuth(user, password) }, timeoutMs },
  );
  let body: { status?: string; error?: string; data?: { result: PromSample[] } } = {};
  try {
    body = JSON.parse(res.body);
  } catch {} // not JSON: an error page from the entry point
  if (res.status !== 200 || body.status !== "success")
    throw new Error(
      `Prometheus: ${query}: HTTP ${res.status} ${body.error ?? res.body.slice(0, 120)}`,
    );
  return body.data?.result ?? [];
}
