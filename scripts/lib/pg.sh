# shellcheck shell=bash
# pg_throwaway: start a Postgres cluster from Debian's postgresql binaries in a temp folder,
# on a free port, removed when the calling shell exits. Sets PG_HOST, PG_PORT, PG_USER.
pg_throwaway() {
  local bin py
  py=${PYTHON:-python3}
  bin=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
  [ -n "$bin" ] || { echo "no Postgres server found; run: apt-get install -y postgresql" >&2; return 2; }
  PG_TMP=$(mktemp -d /tmp/swarm-lab-pg.XXXXXX)
  PG_PORT=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  PG_AS=()
  if [ "$(id -u)" = 0 ]; then chown postgres "$PG_TMP"; PG_AS=(runuser -u postgres --); fi
  PG_BIN=$bin
  trap pg_throwaway_stop EXIT
  "${PG_AS[@]}" "$bin/initdb" -D "$PG_TMP/data" -U postgres -A trust >/dev/null
  "${PG_AS[@]}" "$bin/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/log" -w \
    -o "-p $PG_PORT -k $PG_TMP -c listen_addresses=127.0.0.1 -c max_connections=200 ${PG_EXTRA_OPTS:-}" start >/dev/null
  PG_HOST=127.0.0.1 PG_USER=postgres
  export PG_HOST PG_PORT PG_USER
}

pg_throwaway_stop() {
  "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_TMP"
}
