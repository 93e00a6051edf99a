#!/bin/sh
# Run by Patroni on the first primary, with a superuser connection string as $1: after initdb,
# and after a restore from the repository (where the roles exist already: hence IF NOT EXISTS).
# app_owner owns the database and runs migrations; app (the service) only gets row privileges,
# granted by the migrations; monitor (the backup service's exporter) only reads statistics.
set -eu
esc() { tr -d '\n' < "$1" | sed "s/'/''/g"; }
psql "$1" -v ON_ERROR_STOP=1 -q <<SQL
SELECT format('CREATE ROLE %I LOGIN', r) FROM unnest(ARRAY['app_owner', 'app', 'monitor']) AS r
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) \gexec
ALTER ROLE app_owner PASSWORD '$(esc "$PG_OWNER_PASSWORD_FILE")';
ALTER ROLE app PASSWORD '$(esc "$PG_APP_PASSWORD_FILE")';
ALTER ROLE monitor PASSWORD '$(esc "$PG_MONITOR_PASSWORD_FILE")';
GRANT pg_monitor TO monitor;
SELECT 'CREATE DATABASE app OWNER app_owner' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'app') \gexec
REVOKE ALL ON DATABASE app FROM PUBLIC;
GRANT CONNECT ON DATABASE app TO app;
SQL
