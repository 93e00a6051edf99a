#!/bin/sh
# A Patroni member. Writes /etc/patroni/patroni.yml from the environment and the secret files,
# then runs Patroni, which starts Postgres as primary or replica as etcd decides.
set -eu
if [ "$(id -u)" = 0 ]; then
  chown -R postgres:postgres /var/lib/postgresql/data
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi
: "${PATRONI_NAME:?PATRONI_NAME is required: the service name of this member, e.g. pg1}"
secret() { tr -d '\n' < "$1"; }
ssl=/var/lib/postgresql/data/ssl
if [ ! -s "$ssl/server.key" ]; then
  mkdir -p "$ssl"
  # Every connection can use TLS (the app connects with sslmode=require).
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=$PATRONI_NAME" \
    -keyout "$ssl/server.key" -out "$ssl/server.crt" 2>/dev/null
  chmod 600 "$ssl/server.key"
fi
cat > /etc/patroni/patroni.yml <<YAML
scope: ${PATRONI_SCOPE:-lab}
name: $PATRONI_NAME
restapi:
  listen: 0.0.0.0:8008
  connect_address: $PATRONI_NAME:8008
etcd3:
  hosts: ${ETCD_HOSTS:-etcd1:2379,etcd2:2379,etcd3:2379}
bootstrap:
  dcs:
    # Failover waits for the leader key to expire: ttl is the floor of the failover time.
    # 20 s is Patroni's documented minimum; loop_wait + 2 x retry_timeout = 2 + 10 <= 20 holds.
    ttl: 20
    loop_wait: 2
    retry_timeout: 5
    maximum_lag_on_failover: 1048576
    # An acknowledged commit is on both members: failover never loses it. Writes wait for the
    # replica (a round trip more); with the replica gone Patroni lets the primary go on alone.
    synchronous_mode: ${PG_SYNCHRONOUS_MODE:-true}
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        max_connections: 200
        password_encryption: scram-sha-256
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
    - data-checksums
  pg_hba:
    - local all all peer
    - host all all 127.0.0.1/32 scram-sha-256
    - host replication replicator 0.0.0.0/0 scram-sha-256
    - host all all 0.0.0.0/0 scram-sha-256
  post_bootstrap: /usr/local/bin/lab-post-bootstrap
postgresql:
  listen: 0.0.0.0:5432
  connect_address: $PATRONI_NAME:5432
  data_dir: /var/lib/postgresql/data/pgdata
  bin_dir: /usr/lib/postgresql/15/bin
  pgpass: /tmp/pgpass
  # A new replica copies the primary at once instead of waiting for its next checkpoint (5 min).
  basebackup:
    checkpoint: fast
  authentication:
    superuser:
      username: postgres
      password: '$(secret "$PG_SUPERUSER_PASSWORD_FILE")'
    replication:
      username: replicator
      password: '$(secret "$PG_REPLICATION_PASSWORD_FILE")'
  parameters:
    unix_socket_directories: /var/run/postgresql
    ssl: "on"
    ssl_cert_file: $ssl/server.crt
    ssl_key_file: $ssl/server.key
YAML
chmod 600 /etc/patroni/patroni.yml
# A postmaster.pid left by a killed container makes Patroni's recovery step fail.
rm -f /var/lib/postgresql/data/pgdata/postmaster.pid
exec /usr/local/bin/lab-patroni /etc/patroni/patroni.yml
