/** Pure: the database dashboard: Patroni roles and timeline, lag, TPS, connections, WAL, backups. */
import { dashboard, row, timeseries } from "./kit.js";

const RATE = "$__rate_interval";

export function database() {
  return dashboard(
    "lab-database",
    "Database",
    "Postgres HA (Patroni + etcd), the members' activity (postgres-exporter), WAL archiving and backups (the backup service).",
  )
    .withRow(row("Patroni"))
    .withPanel(
      timeseries("Role per member (1 = primary)", [
        { expr: "max by (swarm_service) (patroni_master)", legend: "{{swarm_service}}" },
      ]),
    )
    .withPanel(
      timeseries("Timeline", [
        { expr: "max by (swarm_service) (patroni_postgres_timeline)", legend: "{{swarm_service}}" },
      ]),
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
        { unit: "bytes" },
      ),
    )
    .withPanel(
      timeseries("Postgres running", [
        { expr: "max by (swarm_service) (patroni_postgres_running)", legend: "{{swarm_service}}" },
      ]),
    )
    .withRow(row("Activity"))
    .withPanel(
      timeseries(
        "Transactions/s (app database)",
        [
          {
            expr: `sum by (server) (rate(pg_stat_database_xact_commit{datname="app"}[${RATE}]) + rate(pg_stat_database_xact_rollback{datname="app"}[${RATE}]))`,
            legend: "{{server}}",
          },
        ],
        { unit: "ops" },
      ),
    )
    .withPanel(
      timeseries("Connections by state", [
        { expr: "sum by (server, state) (pg_stat_activity_count)", legend: "{{server}} {{state}}" },
      ]),
    )
    .withPanel(
      timeseries(
        "Database size",
        [{ expr: 'pg_database_size_bytes{datname="app"}', legend: "{{server}}" }],
        { unit: "bytes" },
      ),
    )
    .withPanel(
      timeseries("App connection pool", [
        { expr: "sum by (state) (app_db_pool_connections)", legend: "{{state}}" },
      ]),
    )
    .withRow(row("WAL archiving and backups"))
    .withPanel(
      timeseries("WAL segments archived / failed per minute", [
        { expr: "rate(lab_wal_archived_total[5m]) * 60", legend: "archived" },
        { expr: "rate(lab_wal_archive_failed_total[5m]) * 60", legend: "failed" },
      ]),
    )
    .withPanel(
      timeseries(
        "Newest archived WAL age",
        [{ expr: "time() - lab_wal_last_archived_timestamp_seconds", legend: "age" }],
        { unit: "s" },
      ),
    )
    .withPanel(
      timeseries(
        "Newest backup age by type",
        [{ expr: "time() - lab_backup_last_success_timestamp_seconds", legend: "{{type}}" }],
        { unit: "s" },
      ),
    )
    .withPanel(
      timeseries(
        "Backup size by type / repository free",
        [
          { expr: "lab_backup_last_size_bytes", legend: "{{type}}" },
          { expr: "lab_backup_repository_free_bytes", legend: "repository free" },
        ],
        { unit: "bytes" },
      ),
    );
}
