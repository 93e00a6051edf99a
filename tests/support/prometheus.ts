/** Prometheus' view of its targets, for the lab tests: what is scraped, and why a target is down. */
import { promQuery } from "../../lab/alerts/prometheus.js";
import type { RunningLab } from "../../lab/running/lab.js";
import { dashboardCredentials } from "../../lab/state/secrets.js";
import { dashboardAuth } from "./lab.js";

export interface Target {
  labels: { job: string; instance: string };
  scrapeUrl: string;
  health: string;
  lastError: string;
}

/** The targets Prometheus scrapes now (its Swarm discovery's last answer). */
export async function activeTargets(lab: RunningLab): Promise<Target[]> {
  const { user, password } = dashboardCredentials();
  const res = await lab.http.send("GET", lab.url("prometheus", "/api/v1/targets?state=active"), {
    headers: { authorization: dashboardAuth(user, password) },
  });
  if (res.status !== 200) throw new Error(`Prometheus targets: HTTP ${res.status}`);
  return JSON.parse(res.body).data.activeTargets as Target[];
}

/**
 * What a failed wait should say: the targets up per job, each target down with its address and
 * error, and whether discovery still refreshes (a stuck discovery keeps tasks long gone).
 */
export async function describeTargets(lab: RunningLab, targets: Target[]): Promise<string> {
  const up = new Map<string, number>();
  for (const t of targets.filter((t) => t.health === "up"))
    up.set(t.labels.job, (up.get(t.labels.job) ?? 0) + 1);
  const down = targets
    .filter((t) => t.health !== "up")
    .map((t) => `${t.labels.instance} ${t.scrapeUrl}: ${t.health} ${t.lastError}`);
  const refreshes = await discoveryRefreshes(lab).catch((err: Error) => err.message);
  return [
    `up: ${[...up].map(([job, n]) => `${job} ${n}`).join(", ") || "none"}`,
    `down: ${down.join("; ") || "none"}`,
    `Swarm discovery refreshes so far: ${refreshes}`,
  ].join("\n");
}

/** How many times Prometheus' Swarm discovery has refreshed (answered or failed) since it started. */
export async function discoveryRefreshes(lab: RunningLab): Promise<number> {
  const r = await promQuery(
    lab,
    'sum(prometheus_sd_refresh_duration_seconds_count{mechanism="dockerswarm"})',
  );
  const sample = r[0];
  if (!sample) throw new Error("Prometheus reports no Swarm discovery refreshes");
  return Number(sample.value[1]);
}
