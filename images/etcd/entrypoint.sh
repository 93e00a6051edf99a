#!/bin/sh
# One member of a static three-member etcd cluster. Members find each other by their Swarm
# service names (etcd1, etcd2, etcd3), which keep working when a task moves to a new address.
# Not ETCD_* variables: etcd reads those as flags and refuses the duplicates.
# Clients (Patroni) must present a certificate signed by etcd's own CA (etcd_ca), which signs
# nothing else: the client API is mutual TLS, and no other certificate of the lab opens it.
# Peers talk on the control network only (etcd and the Patroni members).
set -eu
: "${LAB_ETCD_NAME:?LAB_ETCD_NAME is required}"
: "${LAB_ETCD_CLUSTER:?LAB_ETCD_CLUSTER is required, e.g. etcd1=http://etcd1:2380,etcd2=http://etcd2:2380}"
tls=${LAB_ETCD_TLS_DIR:-/run/secrets}
state=new
[ -d /var/lib/etcd/member ] && state=existing
exec etcd --name "$LAB_ETCD_NAME" --data-dir /var/lib/etcd \
  --listen-peer-urls http://0.0.0.0:2380 --listen-client-urls https://0.0.0.0:2379 \
  --listen-metrics-urls http://0.0.0.0:2381 \
  --initial-advertise-peer-urls "http://$LAB_ETCD_NAME:2380" --advertise-client-urls "https://$LAB_ETCD_NAME:2379" \
  --initial-cluster "$LAB_ETCD_CLUSTER" --initial-cluster-state "$state" --initial-cluster-token swarm-lab \
  --client-cert-auth --trusted-ca-file "$tls/etcd_ca" --cert-file "$tls/etcd_cert" --key-file "$tls/etcd_key" \
  --enable-v2=false
