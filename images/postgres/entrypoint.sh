#!/bin/sh
# First start: create the cluster, the app's role and database. Every start: serve with TLS.
# Runs as root only to fix ownership of the volume, then drops to postgres.
set -eu
if [ "$(id -u)" = 0 ]; then
  chown -R postgres:postgres /var/lib/postgresql/data
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi
read_secret() { tr -d '\n' < "$1"; }
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pwfile=$(mktemp)
  read_secret "$PG_SUPERUSER_PASSWORD_FILE" > "$pwfile"
  initdb -D "$PGDATA" -U postgres --pwfile="$pwfile" --auth-local=peer --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  # A self-signed certificate so every connection can use TLS (sslmode=require).
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=postgres" \
    -keyout "$PGDATA/server.key" -out "$PGDATA/server.crt" 2>/dev/null
  chmod 600 "$PGDATA/server.key"
  {
    echo "listen_addresses = '*'"
    echo "ssl = on"
    echo "password_encryption = 'scram-sha-256'"
  } >> "$PGDATA/postgresql.conf"
  echo "host all all 0.0.0.0/0 scram-sha-256" >> "$PGDATA/pg_hba.conf"
  app_pw=$(read_secret "$PG_APP_PASSWORD_FILE" | sed "s/'/''/g")
  owner_pw=$(read_secret "$PG_OWNER_PASSWORD_FILE" | sed "s/'/''/g")
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  # app_owner owns the database and runs migrations; app (the service) only gets row privileges,
  # granted by the migrations.
  psql -v ON_ERROR_STOP=1 -q -U postgres <<SQL
CREATE ROLE app_owner LOGIN PASSWORD '$owner_pw';
CREATE ROLE app LOGIN PASSWORD '$app_pw';
CREATE DATABASE app OWNER app_owner;
REVOKE ALL ON DATABASE app FROM PUBLIC;
GRANT CONNECT ON DATABASE app TO app;
SQL
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
fi
exec postgres -D "$PGDATA"
