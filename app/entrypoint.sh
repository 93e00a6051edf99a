#!/bin/sh
# Migrate (once across replicas, under an advisory lock), then serve.
# uvicorn stops accepting on SIGTERM and finishes in-flight requests before it exits.
set -eu
cd /app
if [ "${APP_MIGRATE:-1}" = "1" ]; then
  attempts=0
  until alembic upgrade head; do
    attempts=$((attempts + 1))
    [ "$attempts" -ge "${APP_MIGRATE_ATTEMPTS:-30}" ] && { echo "migrations failed" >&2; exit 1; }
    sleep 2
  done
fi
exec uvicorn swarm_app.main:create_app --factory --host 0.0.0.0 --port 8000 \
  --workers "${APP_WORKERS:-1}" --timeout-graceful-shutdown 20 --no-access-log
