/**
 * Pure: delivery (DORA) KPIs as lab:kpi computes them, exported by the CLI through node-exporter's
 * textfile collector after every deploy and rollback (lab/deploy/export.ts), and the app's
 * traffic by Traefik service, where a blue/green switch shows as app@swarm handing over to
 * app-green@swarm.
 */
import { MappingType, SpecialValueMatch } from "@grafana/grafana-foundation-sdk/dashboard";
import { dashboard, row, stat, timeseries } from "./kit.js";

/** Every running node's exporter carries the same file: one value. */
const kpi = (name: string) => `max(swarm_lab_delivery_${name}{window="30d"})`;

/** A KPI without data is NaN in the metric: said as such, not as 0. */
const NO_DATA = [
  {
    type: MappingType.SpecialValue as const,
    options: { match: SpecialValueMatch.NotANumber, result: { text: "no data" } },
  },
];

const bands =
  "DORA's bands as Apache DevLake uses them; the definitions are in the README (Delivery).";

export function delivery() {
  return dashboard(
    "lab-delivery",
    "Delivery",
    "DORA delivery KPIs over 30 days (npm run lab:kpi), deploys and rollbacks, and the app's traffic per colour during a blue/green switch.",
  )
    .time({ from: "now-24h", to: "now" })
    .withRow(row("DORA KPIs (30 days)"))
    .withPanel(
      stat("Deployment frequency", [{ expr: kpi("frequency_per_week"), legend: "a week" }], {
        w: 6,
        description: `Successful deploys a week. Elite: several a day; high: daily to weekly. ${bands}`,
      }),
    )
    .withPanel(
      stat("Lead time for changes", [{ expr: kpi("lead_time_seconds"), legend: "median" }], {
        w: 6,
        unit: "s",
        description: `Median from a deployed commit's time to its deploy done. Elite: under a day. ${bands}`,
      }).mappings(NO_DATA),
    )
    .withPanel(
      stat("Change failure rate", [{ expr: kpi("change_failure_ratio"), legend: "failed" }], {
        w: 6,
        unit: "percentunit",
        description: `Deploys rolled back, failed, or followed by a critical alert within 1 h. Elite: 0-5%. ${bands}`,
      }).mappings(NO_DATA),
    )
    .withPanel(
      stat("Time to restore", [{ expr: kpi("time_to_restore_seconds"), legend: "median" }], {
        w: 6,
        unit: "s",
        description: `Median from a failed change to the service restored. Elite: under an hour. ${bands}`,
      }).mappings(NO_DATA),
    )
    .withRow(row("Deploys"))
    .withPanel(
      stat("Deploys in 30 days", [{ expr: kpi("deployments"), legend: "deploys" }], {
        w: 6,
        description: "Deploys recorded by lab:deploy and the deploy drill (rollbacks not counted).",
      }),
    )
    .withPanel(
      stat(
        "Last deploy succeeded",
        [{ expr: "max(swarm_lab_delivery_last_deploy_succeeded)", legend: "last" }],
        { w: 6, description: "1: it runs; 0: it was rolled back or failed." },
      ).mappings([
        ...NO_DATA,
        {
          type: MappingType.ValueToText as const,
          options: {
            "1": { text: "yes", color: "green" },
            "0": { text: "no, rolled back", color: "red" },
          },
        },
      ]),
    )
    .withPanel(
      stat(
        "Last deploy took",
        [{ expr: "max(swarm_lab_delivery_last_deploy_duration_seconds)", legend: "duration" }],
        { w: 6, unit: "s", description: "From its start to its result (blue/green: the switch)." },
      ).mappings(NO_DATA),
    )
    .withPanel(
      stat(
        "Rollbacks recorded",
        [
          {
            expr: 'sum(max by (kind, result) (swarm_lab_delivery_recorded_total{result="rolled-back"})) + sum(max by (kind, result) (swarm_lab_delivery_recorded_total{kind="rollback"}))',
            legend: "rollbacks",
          },
        ],
        {
          w: 6,
          description:
            "Automatic rollbacks of deploys, and lab:rollback runs, in the whole history.",
        },
      ),
    )
    .withRow(row("Traffic per colour"))
    .withPanel(
      timeseries(
        "Requests per second by app service (blue: app, green: app-green)",
        [
          {
            expr: 'sum by (service) (rate(traefik_service_requests_total{service=~"app(-green)?@swarm"}[$__rate_interval]))',
            legend: "{{service}}",
          },
        ],
        {
          unit: "reqps",
          w: 24,
          description:
            "During a blue/green deploy green takes every request at the switch, blue again after its retirement.",
        },
      ),
    );
}
