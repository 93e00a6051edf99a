#!/usr/bin/env bash
# Run the app's pytest suite against a real Postgres.
# With APP_TEST_DSN unset, start a throwaway cluster from Debian's postgresql-15 binaries
# (apt-get install postgresql) on a free port, and remove it afterwards.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
py="$root/.venv/bin/python"
[ -x "$py" ] || { echo "test-app: no Python venv at .venv; run: bash scripts/setup-python.sh" >&2; exit 2; }

if [ -z "${APP_TEST_DB_HOST:-}" ]; then
  bin=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
  [ -n "$bin" ] || { echo "test-app: no Postgres server found; run: apt-get install -y postgresql" >&2; exit 2; }
  tmp=$(mktemp -d /tmp/swarm-lab-pg.XXXXXX)
  port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  as_pg=()
  if [ "$(id -u)" = 0 ]; then chown postgres "$tmp"; as_pg=(runuser -u postgres --); fi
  cleanup() { "${as_pg[@]}" "$bin/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$tmp"; }
  trap cleanup EXIT
  "${as_pg[@]}" "$bin/initdb" -D "$tmp/data" -U postgres -A trust >/dev/null
  "${as_pg[@]}" "$bin/pg_ctl" -D "$tmp/data" -l "$tmp/log" -w \
    -o "-p $port -k $tmp -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  export APP_TEST_DB_HOST=127.0.0.1 APP_TEST_DB_PORT=$port APP_TEST_DB_USER=postgres
fi
cd "$root/app"
exec "$py" -m pytest "$@"
