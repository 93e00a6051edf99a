#!/bin/sh
# Run once by Patroni on the first primary, with a superuser connection string as $1.
# app_owner owns the database and runs migrations; app (the service) only gets row privileges,
# granted by the migrations.
set -eu
esc() { tr -d '\n' < "$1" | sed "s/'/''/g"; }
psql "$1" -v ON_ERROR_STOP=1 -q <<SQL
CREATE ROLE app_owner LOGIN PASSWORD '$(esc "$PG_OWNER_PASSWORD_FILE")';
CREATE ROLE app LOGIN PASSWORD '$(esc "$PG_APP_PASSWORD_FILE")';
CREATE DATABASE app OWNER app_owner;
REVOKE ALL ON DATABASE app FROM PUBLIC;
GRANT CONNECT ON DATABASE app TO app;
SQL
