/**
 * Pure: the delivery KPIs as Prometheus metrics, in the text format node-exporter's textfile
 * collector reads (each running node's exporter carries the same file; the Delivery dashboard
 * takes the max over them). A KPI without data (no deploy yet) is NaN, as a summary's quantile
 * with no observation is: the series exists, its value says "no data".
 */
import type { Kpis } from "./kpi.js";
import type { Delivery } from "./plan.js";

export const METRICS_FILE = "delivery.prom";

interface Metric {
  name: string;
  help: string;
  type: "gauge" | "counter";
  samples: Array<{ labels?: Record<string, string>; value: number | null }>;
}

const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');

function render(m: Metric): string {
  const lines = [`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`];
  for (const s of m.samples) {
    const labels = Object.entries(s.labels ?? {})
      .map(([k, v]) => `${k}="${esc(v)}"`)
      .join(",");
    lines.push(`${m.name}${labels ? `{${labels}}` : ""} ${s.value === null ? "NaN" : s.value}`);
  }
  return lines.join("\n");
}

const scaled = (v: number | null, by: number) =>
  v === null ? null : Math.round(v * by * 1000) / 1000;

const RESULTS: Delivery["result"][] = ["succeeded", "rolled-back", "failed"];

/** The KPIs over the window, the history's counts, and the last deploy's figures. */
export function kpiMetrics(kpis: Kpis, history: Delivery[], windowLabel: string): string {
  const window = { window: windowLabel };
  const last = history
    .filter((d) => d.kind === "deploy")
    .reduce<Delivery | undefined>(
      (a, d) => (a && Date.parse(a.at) > Date.parse(d.at) ? a : d),
      undefined,
    );
  const metrics: Metric[] = [
    {
      name: "swarm_lab_delivery_deployments",
      help: "Deploys in the KPI window (rollbacks not counted).",
      type: "gauge",
      samples: [{ labels: window, value: kpis.deployments }],
    },
    {
      name: "swarm_lab_delivery_frequency_per_week",
      help: "DORA deployment frequency: successful deploys a week over the window.",
      type: "gauge",
      samples: [{ labels: window, value: kpis.deploymentsPerWeek }],
    },
    {
      name: "swarm_lab_delivery_lead_time_seconds",
      help: "DORA lead time for changes: median time from commit to deployed (NaN: no data).",
      type: "gauge",
      samples: [{ labels: window, value: scaled(kpis.leadTimeHours, 3600) }],
    },
    {
      name: "swarm_lab_delivery_change_failure_ratio",
      help: "DORA change failure rate: failed changes over deploys, 0 to 1 (NaN: no data).",
      type: "gauge",
      samples: [{ labels: window, value: kpis.changeFailureRate }],
    },
    {
      name: "swarm_lab_delivery_time_to_restore_seconds",
      help: "DORA time to restore: median time from a failed change to restored (NaN: no data).",
      type: "gauge",
      samples: [{ labels: window, value: scaled(kpis.timeToRestoreMinutes, 60) }],
    },
    {
      name: "swarm_lab_delivery_recorded_total",
      help: "Deploys and rollbacks in the whole history, by kind and result.",
      type: "counter",
      samples: (["deploy", "rollback"] as const).flatMap((kind) =>
        RESULTS.map((result) => ({
          labels: { kind, result },
          value: history.filter((d) => d.kind === kind && d.result === result).length,
        })),
      ),
    },
    {
      name: "swarm_lab_delivery_last_deploy_timestamp_seconds",
      help: "When the last deploy started (NaN: none yet).",
      type: "gauge",
      samples: [{ value: last ? Date.parse(last.at) / 1000 : null }],
    },
    {
      name: "swarm_lab_delivery_last_deploy_duration_seconds",
      help: "How long the last deploy took, start to its result (NaN: none yet).",
      type: "gauge",
      samples: [{ value: last ? last.durationS : null }],
    },
    {
      name: "swarm_lab_delivery_last_deploy_succeeded",
      help: "1 when the last deploy succeeded, 0 when it was rolled back or failed (NaN: none yet).",
      type: "gauge",
      samples: [{ value: last ? Number(last.result === "succeeded") : null }],
    },
  ];
  return `${metrics.map(render).join("\n")}\n`;
}
