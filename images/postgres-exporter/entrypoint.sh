#!/bin/sh
# One exporter for both members: libpq URLs built from the monitor role's Docker secret, so the
# password is never in the service's environment. Each member's series carry server="pgN:5432".
set -eu
pass=$(cat "${PG_MONITOR_PASSWORD_FILE:?}")
dsn=""
for m in $(echo "${PG_MEMBERS:-pg1,pg2}" | tr , ' '); do
  dsn="${dsn:+$dsn,}postgresql://monitor:${pass}@${m}:5432/postgres?sslmode=require&connect_timeout=3"
done
export DATA_SOURCE_NAME="$dsn"
exec /usr/bin/prometheus-postgres-exporter "$@"
