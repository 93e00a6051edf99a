/**
 * The psql probe both tiers run against a Postgres member (the lab's backup task, the integration
 * tier's member container): as the monitor role, with the given libpq options, printing whether
 * the session is TLS.
 */
export function psqlProbe(conn: string, host = "pg1"): string[] {
  return [
    "sh",
    "-c",
    `PGPASSWORD=$(cat /run/secrets/pg_monitor_password) psql "host=${host} dbname=postgres user=monitor connect_timeout=5 ${conn}" -Atc "select 'connected ' || ssl from pg_stat_ssl where pid = pg_backend_pid()"`,
  ];
}
