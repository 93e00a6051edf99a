#!/bin/sh
# Writes /etc/pgbackrest/pgbackrest.conf for a database member ("member") or the repository
# host ("repository"), and copies the TLS files (from Docker secrets) where the postgres user can
# read them. Run as root. pgBackRest talks to the other side over TLS (its "server" mode): the
# members push WAL to the repository, the repository takes backups from whichever member is
# primary. Certificates come from the lab CA, one per role (pgbackrest-member on pg1 and pg2,
# pgbackrest-repository on backup); each side's server lets in only the other role's name.
set -eu
role=${1:?usage: lab-pgbackrest-conf member|repository}
stanza=${PGBACKREST_STANZA:-main}
tls=/etc/pgbackrest/tls
mkdir -p "$tls"
for f in lab_ca:ca.crt pgbackrest_cert:pgbackrest.crt pgbackrest_key:pgbackrest.key; do
  src=/run/secrets/${f%%:*}
  [ -s "$src" ] || { echo "lab-pgbackrest-conf: missing secret $src" >&2; exit 1; }
  cp "$src" "$tls/${f#*:}"
done
chown -R postgres:postgres /etc/pgbackrest
chmod 600 "$tls/pgbackrest.key"
data=/var/lib/postgresql/data/pgdata
# The client name this side's server lets in: the other role's.
peer=pgbackrest-repository
[ "$role" = repository ] && peer=pgbackrest-member
{
  cat <<CONF
[global]
# lz4: fast on two cores; gzip (the default) made backups CPU-bound here.
compress-type=lz4
process-max=2
log-level-console=info
log-level-stderr=off
log-level-file=off
lock-path=/tmp/pgbackrest
tls-server-address=*
tls-server-ca-file=$tls/ca.crt
tls-server-cert-file=$tls/pgbackrest.crt
tls-server-key-file=$tls/pgbackrest.key
tls-server-auth=${PGBACKREST_CLIENT_CN:-$peer}=$stanza
CONF
  if [ "$role" = repository ]; then
    cat <<CONF
repo1-path=/var/lib/pgbackrest
repo1-retention-full=${BACKUP_RETENTION_FULL:-2}
start-fast=y
archive-check=y

[$stanza]
CONF
    n=0
    for host in $(echo "${PG_MEMBERS:-pg1,pg2}" | tr ',' ' '); do
      n=$((n + 1))
      cat <<CONF
pg$n-host=$host
pg$n-host-type=tls
pg$n-host-ca-file=$tls/ca.crt
pg$n-host-cert-file=$tls/pgbackrest.crt
pg$n-host-key-file=$tls/pgbackrest.key
pg$n-path=$data
CONF
    done
  else
    cat <<CONF
repo1-host=${PGBACKREST_REPO_HOST:-backup}
repo1-host-type=tls
repo1-host-ca-file=$tls/ca.crt
repo1-host-cert-file=$tls/pgbackrest.crt
repo1-host-key-file=$tls/pgbackrest.key
# archive-push gives up after this long, so a lost repository shows as failed archiving.
archive-timeout=30

[$stanza]
pg1-path=$data
pg1-socket-path=/var/run/postgresql
CONF
  fi
} > /etc/pgbackrest/pgbackrest.conf
chown postgres:postgres /etc/pgbackrest/pgbackrest.conf
