/** Pure: small builders over @grafana/grafana-foundation-sdk shared by the lab's dashboards. */
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import { ReduceDataOptionsBuilder } from "@grafana/grafana-foundation-sdk/common";
import {
  AnnotationQueryBuilder,
  DashboardBuilder,
  QueryVariableBuilder,
  RowBuilder,
  type VariableRefresh,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as LogsPanel } from "@grafana/grafana-foundation-sdk/logs";
import { DataqueryBuilder as LokiQuery } from "@grafana/grafana-foundation-sdk/loki";
import { DataqueryBuilder as PromQuery } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TimeseriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";

/** Provisioned datasources (grafana/provisioning/datasources/lab.yml), referenced by uid. */
export const PROMETHEUS = { type: "prometheus", uid: "prometheus" };
export const LOKI = { type: "loki", uid: "loki" };

/**
 * Marks a panel whose source exists only in the official set: the lab test that runs every
 * panel's query against the offline lab skips it and prints its title.
 */
export const OFFICIAL_ONLY = "[official set only]";

export interface Series {
  expr: string;
  legend?: string;
}

function prom(series: Series[]) {
  return series.map((s, i) =>
    new PromQuery()
      .expr(s.expr)
      .legendFormat(s.legend ?? "__auto")
      .refId(String.fromCharCode(65 + i))
      .datasource(PROMETHEUS),
  );
}

export function timeseries(
  title: string,
  series: Series[],
  opts: { unit?: string; w?: number; h?: number; description?: string; officialOnly?: string } = {},
) {
  const p = new TimeseriesPanel()
    .title(title)
    .datasource(PROMETHEUS)
    .unit(opts.unit ?? "short")
    .span(opts.w ?? 12)
    .height(opts.h ?? 8)
    .fillOpacity(10)
    .lineWidth(1);
  const note = opts.officialOnly ? `${OFFICIAL_ONLY} ${opts.officialOnly}` : undefined;
  const text = [opts.description, note].filter(Boolean).join(" ");
  if (text) p.description(text);
  for (const q of prom(series)) p.withTarget(q);
  return p;
}

export function stat(
  title: string,
  series: Series[],
  opts: { unit?: string; w?: number; h?: number; description?: string } = {},
) {
  const p = new StatPanel()
    .title(title)
    .datasource(PROMETHEUS)
    .unit(opts.unit ?? "short")
    .span(opts.w ?? 4)
    .height(opts.h ?? 4)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false));
  if (opts.description) p.description(opts.description);
  for (const q of prom(series)) p.withTarget(q);
  return p;
}

export function lokiTimeseries(title: string, series: Series[], w = 12) {
  const p = new TimeseriesPanel()
    .title(title)
    .description(`${OFFICIAL_ONLY} Loki (the offline set's logs are in VictoriaLogs' UI)`)
    .datasource(LOKI)
    .span(w)
    .height(8)
    .fillOpacity(10);
  series.forEach((s, i) => {
    p.withTarget(
      new LokiQuery()
        .expr(s.expr)
        .legendFormat(s.legend ?? "")
        .refId(String.fromCharCode(65 + i))
        .datasource(LOKI),
    );
  });
  return p;
}

export function lokiLogs(title: string, expr: string, w = 24) {
  return new LogsPanel()
    .title(title)
    .description(`${OFFICIAL_ONLY} Loki (the offline set's logs are in VictoriaLogs' UI)`)
    .datasource(LOKI)
    .span(w)
    .height(10)
    .showTime(true)
    .wrapLogMessage(true)
    .enableLogDetails(true)
    .withTarget(new LokiQuery().expr(expr).refId("A").datasource(LOKI).maxLines(200));
}

export function row(title: string) {
  return new RowBuilder(title);
}

/** A multi-value variable from a label of a Prometheus metric ("All" matches everything). */
export function labelVariable(name: string, label: string, metric: string) {
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(PROMETHEUS)
    .query(`label_values(${metric}, ${name})`)
    .definition(`label_values(${metric}, ${name})`)
    .refresh(2 as VariableRefresh)
    .multi(true)
    .includeAll(true)
    .allValue(".*");
}

export function dashboard(uid: string, title: string, description: string) {
  return new DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(["swarm-lab"])
    .refresh("5s")
    .time({ from: "now-15m", to: "now" })
    .timezone("browser")
    .readonly()
    .annotation(
      // Grafana's own annotations: the drills add "fault injected" and "recovered" here.
      new AnnotationQueryBuilder()
        .name("Annotations & Alerts")
        .datasource({ type: "grafana", uid: "-- Grafana --" })
        .enable(true)
        .hide(true)
        .iconColor("rgba(0, 211, 255, 1)")
        .type("dashboard")
        .builtIn(1),
    )
    .annotation(
      // The remediator's audit trail: a mark each time it acts (or would, in dry-run).
      new AnnotationQueryBuilder()
        .name("Automatic actions")
        .datasource(PROMETHEUS)
        .enable(true)
        .iconColor("orange")
        .expr(REMEDIATION_ANNOTATION)
        .step("15s")
        .titleFormat("{{action}}")
        .textFormat("remediator: {{action}} ({{result}})")
        .tagKeys("action,result"),
    );
}

/** Decisions that acted, would have (dry-run) or failed, per action: one annotation each. */
export const REMEDIATION_ANNOTATION =
  'sum by (action, result) (increase(lab_remediation_decisions_total{result=~"act|dry_run|failed"}[1m])) > 0';

export type Built = ReturnType<DashboardBuilder["build"]>;
export type PanelLike = cog.Builder<unknown>;
