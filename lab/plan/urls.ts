/** Pure: the lab's public URLs; the observability console depends on the image set. */
import type { LabConfig } from "../config/schema.js";
import type { ImageSet } from "../images/plan.js";

export interface LabUrls {
  app: string;
  docs: string;
  traefik: string;
  prometheus: string;
  alerts: string;
  logs?: string;
  grafana?: string;
}

export function labUrls(config: LabConfig, set?: ImageSet): LabUrls {
  // Hosts as nodes: Traefik on each node's own 443.
  const https = config.driver === "dind" ? config.ports.https : 443;
  const port = https === 443 ? "" : `:${https}`;
  const url = (name: string, path = "/") => `https://${name}.${config.domain}${port}${path}`;
  return {
    app: url("app"),
    docs: url("app", "/docs"),
    traefik: url("traefik", "/dashboard/"),
    prometheus: url("prometheus"),
    // Debian's Alertmanager (offline) has no web UI: its API, or npm run lab:alerts.
    alerts: set === "official" ? url("alerts") : url("alerts", "/api/v2/alerts"),
    ...(set === "offline" ? { logs: url("logs", "/select/vmui/") } : {}),
    ...(set === "official" ? { grafana: url("grafana") } : {}),
  };
}
