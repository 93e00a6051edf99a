#!/usr/bin/env bash
# The app alone on this host (no Docker): a throwaway Postgres, migrations, the admin, then
# uvicorn on 127.0.0.1:PORT with WORKERS processes. For bench:app. Ctrl-C stops everything.
#   bash scripts/run-app-local.sh 8000 2
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
py="$root/.venv/bin/python"
port=${1:-8000}
workers=${2:-2}
# shellcheck source-path=SCRIPTDIR source=lib/pg.sh
. "$root/scripts/lib/pg.sh"
PYTHON=$py pg_throwaway
export APP_DB_HOSTS=$PG_HOST APP_DB_PORT=$PG_PORT APP_DB_USER=$PG_USER APP_DB_NAME=postgres
export APP_JWT_SECRET=${APP_JWT_SECRET:-local-bench-secret} APP_ADMIN_EMAIL=admin@local.test
export APP_ADMIN_PASSWORD=${APP_ADMIN_PASSWORD:-local-admin-password} APP_LOG_LEVEL=WARNING
cd "$root/app"
"$root/.venv/bin/alembic" upgrade head
"$py" -m swarm_app.bootstrap
"$root/.venv/bin/uvicorn" swarm_app.main:create_app --factory --host 127.0.0.1 --port "$port" \
  --workers "$workers" --no-access-log --log-level warning &
wait $!
