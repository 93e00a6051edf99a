#!/bin/sh
# A Patroni member. Writes /etc/patroni/patroni.yml from the environment and the secret files,
# then runs Patroni, which starts Postgres as primary or replica as etcd decides.
set -eu
ssl=/var/lib/postgresql/data/ssl
tls=/etc/patroni/tls
if [ "$(id -u)" = 0 ]; then
  chown -R postgres:postgres /var/lib/postgresql/data
  /usr/local/bin/lab-pgbackrest-conf member
  # Postgres' certificate (names pg1, pg2) and Patroni's etcd client certificate, from the lab CA
  # (Docker secrets, root-owned): copied where only the postgres user reads them, at every start,
  # so a renewed certificate is picked up by a redeploy.
  install -d -o postgres -g postgres -m 700 "$ssl" "$tls"
  install -o postgres -g postgres -m 644 /run/secrets/pg_server_cert "$ssl/server.crt"
  install -o postgres -g postgres -m 600 /run/secrets/pg_server_key "$ssl/server.key"
  install -o postgres -g postgres -m 644 /run/secrets/lab_ca "$tls/ca.crt"
  install -o postgres -g postgres -m 644 /run/secrets/etcd_ca "$tls/etcd-ca.crt"
  install -o postgres -g postgres -m 644 /run/secrets/etcd_client_cert "$tls/etcd-client.crt"
  install -o postgres -g postgres -m 600 /run/secrets/etcd_client_key "$tls/etcd-client.key"
  # HOME: libpq looks for a client certificate in ~/.postgresql, and /root is not readable.
  exec env HOME=/var/lib/postgresql setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi
: "${PATRONI_NAME:?PATRONI_NAME is required: the service name of this member, e.g. pg1}"
secret() { tr -d '\n' < "$1"; }
stanza=${PGBACKREST_STANZA:-main}
# A restore asked for by `lab:restore` (or the disaster drill): the file names the target, and
# the member bootstraps a new cluster from the repository instead of running initdb. Only used
# while there is no data directory and no cluster in etcd (the restore clears both first).
marker=/var/lib/postgresql/data/restore-target
bootstrap_method=""
if [ -s "$marker" ] && [ ! -s /var/lib/postgresql/data/pgdata/PG_VERSION ]; then
  target=$(head -n1 "$marker")
  echo "lab-postgres: restoring from the pgBackRest repository (target: $target)"
  target_line=""
  [ "$target" = latest ] || target_line="recovery_target_time: '$target'"
  bootstrap_method="method: pgbackrest
  pgbackrest:
    command: /usr/local/bin/lab-restore-bootstrap
    keep_existing_recovery_conf: false
    recovery_conf:
      restore_command: pgbackrest --stanza=$stanza archive-get %f \"%p\"
      recovery_target_action: promote
      recovery_target_timeline: latest
      $target_line"
elif [ -e /var/lib/postgresql/data/no-bootstrap ] && [ ! -s /var/lib/postgresql/data/pgdata/PG_VERSION ]; then
  # A restore set this member's data aside and restores the other one first: it may only join
  # the restored cluster as a replica, never start a new, empty one. Its bootstrap fails, so
  # Patroni gives the initialize key back and exits (Swarm starts it again) until a primary runs.
  echo "lab-postgres: a restore is under way: this member waits for the restored primary"
  bootstrap_method="method: lab_wait_for_restore
  lab_wait_for_restore:
    command: /bin/false
    no_params: true"
fi
# pgBackRest's TLS server: the repository host calls it to take backups from this member.
(while true; do pgbackrest server >/dev/null 2>&1 || true; sleep 2; done) &
# An old primary rewound after a failover (pg_rewind) must replay WAL up to the position the new
# primary had reached when it rewound. On an idle primary no record passes that point (after
# archive_timeout switched the segment it sits just past a page header), so the member stays
# "starting", refusing connections, until something writes: minutes. So a member whose Postgres
# has refused connections for 10 s asks the primary (whichever member takes writes) for one
# write, a transaction id committed without waiting for a replica, at most once every 30 s. It
# reads the local socket only; Patroni is not asked (a poll of its API is what starved it once).
members=${PG_MEMBERS:?PG_MEMBERS is required: the members service names, e.g. pg1,pg2}
nudge_primary() {
  refusing=0
  while true; do
    sleep 5
    ready=0
    pg_isready -q -h /var/run/postgresql -p 5432 || ready=$?
    # 1: the server runs and refuses connections (recovery not consistent yet); 0, 2, 3: not that.
    if [ "$ready" -ne 1 ]; then refusing=0; continue; fi
    refusing=$((refusing + 5))
    [ "$refusing" -ge 10 ] || continue
    echo "lab-postgres: Postgres has refused connections for $refusing s (replaying up to a point the primary has not written past): asking the primary for one write"
    if PGPASSWORD=$(secret "$PG_SUPERUSER_PASSWORD_FILE") PGCONNECT_TIMEOUT=3 psql -X -q -At \
      "host=$members dbname=postgres user=postgres sslmode=verify-full sslrootcert=$tls/ca.crt target_session_attrs=read-write" \
      -c "SET synchronous_commit = local" -c "SELECT txid_current()" >/dev/null 2>&1; then
      echo "lab-postgres: the primary wrote one record"
    else
      echo "lab-postgres: no member took the write (none is primary yet?): tried again in 30 s"
    fi
    refusing=-20
  done
}
nudge_primary &
cat > /etc/patroni/patroni.yml <<YAML
scope: ${PATRONI_SCOPE:-lab}
name: $PATRONI_NAME
restapi:
  listen: 0.0.0.0:8008
  connect_address: $PATRONI_NAME:8008
  # Write endpoints (switchover, restart, reinitialize, config) need these; reads stay open for
  # health checks and metrics. patronictl in this container uses them too.
  authentication:
    username: patroni
    password: '$(secret "$PATRONI_API_PASSWORD_FILE")'
etcd3:
  hosts: ${ETCD_HOSTS:-etcd1:2379,etcd2:2379,etcd3:2379}
  protocol: https
  cacert: $tls/etcd-ca.crt
  cert: $tls/etcd-client.crt
  key: $tls/etcd-client.key
bootstrap:
  $bootstrap_method
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
  post_bootstrap: /usr/local/bin/lab-post-bootstrap
postgresql:
  listen: 0.0.0.0:5432
  connect_address: $PATRONI_NAME:5432
  data_dir: /var/lib/postgresql/data/pgdata
  bin_dir: /usr/lib/postgresql/15/bin
  pgpass: /tmp/pgpass
  # Patroni's own connections to this member go through the socket (peer auth, no TLS needed);
  # everything over the network is TLS, verified.
  use_unix_socket: true
  # Its replication connection to this member too (the replica's timeline): TCP to localhost
  # would fail verify-full, the certificate names pg1 and pg2.
  use_unix_socket_repl: true
  # A new replica copies the primary at once instead of waiting for its next checkpoint (5 min).
  basebackup:
    checkpoint: fast
  # Over the network, TLS only (hostssl; anything else is rejected). Set here, not under
  # bootstrap, so Patroni rewrites pg_hba.conf at every start of an existing cluster too.
  pg_hba:
    - local replication replicator scram-sha-256
    - local all all peer
    - host all all 127.0.0.1/32 scram-sha-256
    - hostssl replication replicator 0.0.0.0/0 scram-sha-256
    - hostssl all all 0.0.0.0/0 scram-sha-256
    - hostnossl all all 0.0.0.0/0 reject
  # The replica and pg_rewind verify the primary's certificate and name (pg1, pg2).
  authentication:
    superuser:
      username: postgres
      password: '$(secret "$PG_SUPERUSER_PASSWORD_FILE")'
      sslmode: verify-full
      sslrootcert: $tls/ca.crt
    replication:
      username: replicator
      password: '$(secret "$PG_REPLICATION_PASSWORD_FILE")'
      sslmode: verify-full
      sslrootcert: $tls/ca.crt
  parameters:
    unix_socket_directories: /var/run/postgresql
    ssl: "on"
    ssl_cert_file: $ssl/server.crt
    ssl_key_file: $ssl/server.key
    # Continuous archiving to the pgBackRest repository: a segment is shipped when full or after
    # archive_timeout seconds, which bounds the data lost if every member's disk is lost.
    archive_mode: "on"
    archive_command: pgbackrest --stanza=$stanza archive-push %p
    archive_timeout: ${PG_ARCHIVE_TIMEOUT:-60}
YAML
chmod 600 /etc/patroni/patroni.yml
# A postmaster.pid left by a killed container makes Patroni's recovery step fail.
rm -f /var/lib/postgresql/data/pgdata/postmaster.pid
exec /usr/local/bin/lab-patroni /etc/patroni/patroni.yml
