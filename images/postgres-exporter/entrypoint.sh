#!/bin/sh
# One exporter per member (PG_MEMBER): the libpq URL is built from the monitor role's Docker
# secret, so the password is never in the service's environment. Its series carry server="pgN:5432".
# TLS only, and the member must prove its name with a certificate from the lab CA.
set -eu
pass=$(cat "${PG_MONITOR_PASSWORD_FILE:?}")
export DATA_SOURCE_NAME="postgresql://monitor:${pass}@${PG_MEMBER:?}:5432/postgres?sslmode=verify-full&sslrootcert=${PG_CA_FILE:-/run/secrets/lab_ca}&connect_timeout=3"
exec /usr/bin/prometheus-postgres-exporter "$@"
