#!/bin/sh
# Migrate (once across replicas, under an advisory lock), then serve; or, with the argument
# `migrate`, only migrate and bootstrap the admin (the lab's one-shot job: the serving tasks then
# run with APP_MIGRATE=0 and never hold the owner's or the admin's password).
# uvicorn stops accepting on SIGTERM and finishes in-flight requests before it exits.
set -eu
cd /app
only_migrate=0
[ "${1:-}" = migrate ] && only_migrate=1 && APP_MIGRATE=1
# Migrations and the admin bootstrap run as the database owner; the service as the runtime role.
as_owner() {
  if [ -n "${APP_DB_OWNER_USER:-}" ]; then
    APP_DB_USER=$APP_DB_OWNER_USER APP_DB_PASSWORD_FILE=${APP_DB_OWNER_PASSWORD_FILE:-} "$@"
  else
    "$@"
  fi
}
if [ "${APP_MIGRATE:-1}" = "1" ]; then
  attempts=0
  until as_owner python3 -m swarm_app.migrate && as_owner python3 -m swarm_app.bootstrap; do
    attempts=$((attempts + 1))
    [ "$attempts" -ge "${APP_MIGRATE_ATTEMPTS:-30}" ] && { echo "migrations failed" >&2; exit 1; }
    sleep 2
  done
fi
[ "$only_migrate" = 1 ] && { echo "migrations at head, admin present"; exit 0; }
# On SIGTERM: first answer /health/ready with 503 for APP_DRAIN_SECONDS, so Traefik's health
# check takes this task out of rotation; then uvicorn stops accepting and finishes in-flight
# requests. Without the first part, requests race the connections uvicorn closes (502s).
uvicorn swarm_app.main:create_app --factory --host 0.0.0.0 --port 8000 \
  --workers "${APP_WORKERS:-1}" --timeout-graceful-shutdown 20 --no-access-log &
pid=$!
drain() {
  touch "${APP_DRAIN_FILE:-/tmp/draining}" || echo "drain: cannot write the drain flag" >&2
  sleep "${APP_DRAIN_SECONDS:-4}"
  kill -TERM "$pid"
}
trap drain TERM INT
wait "$pid" || true
wait "$pid"
