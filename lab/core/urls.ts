/** Pure: the lab's public URLs. */
import type { LabConfig } from "../config/schema.js";

export function labUrls(config: LabConfig) {
  const port = config.ports.https === 443 ? "" : `:${config.ports.https}`;
  const url = (name: string, path = "/") => `https://${name}.${config.domain}${port}${path}`;
  return {
    app: url("app"),
    docs: url("app", "/docs"),
    traefik: url("traefik", "/dashboard/"),
    prometheus: url("prometheus"),
  };
}
