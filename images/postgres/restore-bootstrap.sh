#!/bin/sh
# Patroni's custom bootstrap (lab:restore, the disaster drill): fills the empty data directory
# from the pgBackRest repository. Patroni then starts Postgres in recovery with the target from
# its recovery_conf, replays the archived WAL and promotes; the other member is rebuilt from it.
set -eu
datadir=/var/lib/postgresql/data/pgdata
for arg in "$@"; do
  case "$arg" in --datadir=*) datadir=${arg#--datadir=} ;; esac
done
target=$(head -n1 /var/lib/postgresql/data/restore-target)
set -- --stanza="${PGBACKREST_STANZA:-main}" --pg1-path="$datadir" --log-level-console=info
if [ "$target" != latest ]; then
  # With a time target pgBackRest picks the newest backup that ended before it.
  set -- "$@" --type=time --target="$target" --target-action=promote
fi
mkdir -p "$datadir" && chmod 700 "$datadir"
exec pgbackrest "$@" restore
