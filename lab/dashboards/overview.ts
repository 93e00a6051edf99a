/** Pure: the lab overview a trainer projects: health, traffic, database, backups, alerts. */
import { dashboard, row, stat, timeseries } from "./kit.js";

const RATE = "$__rate_interval";
const TRAEFIK_APP = 'service=~"app@.*"';

export function overview() {
  return dashboard(
    "lab-overview",
    "Lab overview",
    "Is the lab healthy, is the API answering, who is primary. Refreshes every 5 s.",
  )
    .withRow(row("Health"))
    .withPanel(
      stat("Nodes up", [{ expr: 'sum(up{job="node"})', legend: "up" }], {
        description: "Node exporters answering (one per node).",
      }),
    )
    .withPanel(
      stat("Targets down", [{ expr: "count(up == 0) or vector(0)", legend: "down" }], {
        description: "Scraped tasks that do not answer.",
      }),
    )
    .withPanel(
      stat("Firing alerts", [
        { expr: 'count(ALERTS{alertstate="firing"}) or vector(0)', legend: "firing" },
      ]),
    )
    .withPanel(
      stat(
        "Newest backup age",
        [{ expr: "time() - max(lab_backup_last_success_timestamp_seconds)", legend: "age" }],
        { unit: "s" },
      ),
    )
    .withPanel(
      stat(
        "Primary",
        [{ expr: "max by (swarm_service) (patroni_master) == 1", legend: "{{swarm_service}}" }],
        {
          description: "The member holding Patroni's leader key.",
        },
      ),
    )
    .withPanel(
      stat(
        "Replication lag",
        [{ expr: "max(pg_stat_replication_pg_wal_lsn_diff)", legend: "lag" }],
        {
          unit: "bytes",
          description:
            "WAL the replica has not replayed yet, as the primary sees it (0 = in step).",
        },
      ),
    )
    .withPanel(
      timeseries(
        "Tasks running / expected per scraped service",
        [
          { expr: "sum by (job) (up)", legend: "{{job}} running" },
          { expr: "count by (job) (up)", legend: "{{job}} expected" },
        ],
        { w: 24, h: 6 },
      ),
    )
    .withRow(row("Traffic"))
    .withPanel(
      timeseries(
        "Requests/s at Traefik by status",
        [
          {
            expr: `sum by (code) (rate(traefik_service_requests_total{${TRAEFIK_APP}}[${RATE}]))`,
            legend: "{{code}}",
          },
        ],
        { unit: "reqps" },
      ),
    )
    .withPanel(
      timeseries(
        "Error ratio (5xx)",
        [
          {
            expr: `(sum(rate(traefik_service_requests_total{${TRAEFIK_APP},code=~"5.."}[${RATE}])) or vector(0)) / sum(rate(traefik_service_requests_total{${TRAEFIK_APP}}[${RATE}]))`,
            legend: "traefik",
          },
          {
            expr: `(sum(rate(app_http_requests_total{status=~"5.."}[${RATE}])) or vector(0)) / sum(rate(app_http_requests_total[${RATE}]))`,
            legend: "app",
          },
        ],
        { unit: "percentunit" },
      ),
    )
    .withPanel(
      timeseries(
        "p95 latency at Traefik",
        [
          {
            expr: `histogram_quantile(0.95, sum by (le) (rate(traefik_service_request_duration_seconds_bucket{${TRAEFIK_APP}}[${RATE}])))`,
            legend: "p95",
          },
        ],
        { unit: "s" },
      ),
    )
    .withPanel(
      timeseries(
        "p95 latency in the app by route",
        [
          {
            expr: `histogram_quantile(0.95, sum by (le, route) (rate(app_http_request_duration_seconds_bucket[${RATE}])))`,
            legend: "{{route}}",
          },
        ],
        { unit: "s" },
      ),
    )
    .withRow(row("Database"))
    .withPanel(
      timeseries(
        "Role per member (1 = primary)",
        [{ expr: "max by (swarm_service) (patroni_master)", legend: "{{swarm_service}}" }],
        { w: 8 },
      ),
    )
    .withPanel(
      timeseries(
        "Replication lag",
        [
          {
            expr: "max by (application_name) (pg_stat_replication_pg_wal_lsn_diff)",
            legend: "{{application_name}}",
          },
        ],
        { unit: "bytes", w: 8 },
      ),
    )
    .withPanel(
      timeseries(
        "Newest backup age by type",
        [
          {
            expr: "time() - lab_backup_last_success_timestamp_seconds",
            legend: "{{type}}",
          },
        ],
        { unit: "s", w: 8 },
      ),
    );
}
