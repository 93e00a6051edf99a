/** Pure: every dashboard the lab provisions, by file name under grafana/dashboards/. */
import { database } from "./database.js";
import { delivery } from "./delivery.js";
import { logs } from "./logs.js";
import { nodes } from "./nodes.js";
import { overview } from "./overview.js";

export const DASHBOARDS = {
  "lab-overview.json": overview,
  "lab-database.json": database,
  "lab-nodes.json": nodes,
  "lab-logs.json": logs,
  "lab-delivery.json": delivery,
} as const;

/** The committed JSON of one dashboard: stable key order, two-space indent, final newline. */
export function dashboardJson(make: () => { build(): unknown }): string {
  return `${JSON.stringify(make().build(), null, 2)}\n`;
}
