#!/bin/sh
# The backup service: pgBackRest's repository host. Serves WAL archiving for the members over
# TLS, takes the scheduled backups and exports their state to Prometheus (lab-backupd).
set -eu
if [ "$(id -u)" = 0 ]; then
  /usr/local/bin/lab-pgbackrest-conf repository
  chown -R postgres:postgres /var/lib/pgbackrest
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi
# setpriv keeps root's HOME: libpq would then try to read /root/.postgresql.
export HOME=/var/lib/postgresql
exec python3 /usr/local/bin/lab-backupd
