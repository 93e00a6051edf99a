/** Pure: every query of a dashboard's panels, with its variables substituted for a check. */
import { OFFICIAL_ONLY } from "./kit.js";

export interface PanelQuery {
  dashboard: string;
  panel: string;
  datasource: string;
  expr: string;
  /** The expression with Grafana's variables replaced, ready for Prometheus' query API. */
  resolved: string;
  officialOnly: boolean;
}

interface PanelJson {
  title?: string;
  description?: string;
  datasource?: { uid?: string };
  targets?: Array<{ expr?: string; datasource?: { uid?: string } }>;
  panels?: PanelJson[];
}

/** Grafana's built-in intervals and every template variable (multi-value "All" = ".*"). */
export function substitute(expr: string, variables: string[]): string {
  let out = expr
    .replaceAll("$__rate_interval", "1m")
    .replaceAll("$__interval", "1m")
    .replaceAll("$__auto", "1m")
    .replaceAll("$__range", "15m");
  for (const name of variables) out = out.replaceAll(`$${name}`, ".*");
  return out;
}

export function panelQueries(dashboard: {
  uid: string;
  panels?: PanelJson[];
  templating?: { list?: Array<{ name: string }> };
}): PanelQuery[] {
  const variables = (dashboard.templating?.list ?? []).map((v) => v.name);
  const panels = (dashboard.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
  return panels.flatMap((p) =>
    (p.targets ?? [])
      .filter((t) => t.expr)
      .map((t) => ({
        dashboard: dashboard.uid,
        panel: p.title ?? "(untitled)",
        datasource: t.datasource?.uid ?? p.datasource?.uid ?? "",
        expr: t.expr ?? "",
        resolved: substitute(t.expr ?? "", variables),
        officialOnly: (p.description ?? "").includes(OFFICIAL_ONLY),
      })),
  );
}
