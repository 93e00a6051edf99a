#!/usr/bin/env bash
# Run the app's pytest suite against a real Postgres.
# With APP_TEST_DB_HOST unset, start a throwaway cluster from Debian's postgresql binaries
# (apt-get install postgresql) on a free port, and remove it afterwards.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
py="$root/.venv/bin/python"
[ -x "$py" ] || { echo "test-app: no Python venv at .venv; run: bash scripts/setup-python.sh" >&2; exit 2; }
# shellcheck source-path=SCRIPTDIR source=lib/pg.sh
. "$root/scripts/lib/pg.sh"
if [ -z "${APP_TEST_DB_HOST:-}" ]; then
  PG_EXTRA_OPTS="-c fsync=off" PYTHON=$py pg_throwaway
  export APP_TEST_DB_HOST=$PG_HOST APP_TEST_DB_PORT=$PG_PORT APP_TEST_DB_USER=$PG_USER
fi
cd "$root/app"
"$py" -m pytest "$@"
