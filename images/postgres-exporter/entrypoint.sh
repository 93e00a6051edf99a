#!/bin/sh
# One exporter per member (PG_MEMBER): the libpq URL is built from the monitor role's Docker
# secret, so the password is never in the service's environment. Its series carry server="pgN:5432".
set -eu
pass=$(cat "${PG_MONITOR_PASSWORD_FILE:?}")
export DATA_SOURCE_NAME="postgresql://monitor:${pass}@${PG_MEMBER:?}:5432/postgres?sslmode=require&connect_timeout=3"
exec /usr/bin/prometheus-postgres-exporter "$@"
