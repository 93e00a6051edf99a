#!/bin/sh
# Start dockerd inside a lab node container.
# Without --privileged (refused on some hosts), /sys and the cgroup controllers are mounted
# read-only: remount them read-write so the inner engine can create containers.
set -eu
mount -o remount,rw /sys 2>/dev/null || true
for d in /sys/fs/cgroup/*/; do
  mount -o remount,rw,bind "$d" "$d" 2>/dev/null || true
done
# A node restarted after a kill keeps stale pid files on its volume.
rm -f /var/run/docker.pid /var/run/docker/containerd/containerd.pid /run/docker/containerd/containerd.pid
# The engine's API is mutual TLS only: the lab places a server certificate for this start's
# address, signed by the lab CA, on the tmpfs /run/lab-tls (see lab/drivers/dind/driver.ts).
tls=/run/lab-tls
waited=0
until [ -f "$tls/ready" ]; do
  if [ "$waited" -ge 1200 ]; then
    echo "lab-node: no engine certificate in $tls after 120 s (the lab places it after start)" >&2
    exit 1
  fi
  sleep 0.1
  waited=$((waited + 1))
done
# The stack's images come from the lab's registry (LAB_REGISTRY, host:port) on the lab's private
# network: plain HTTP there, read-only (lab/images/registry.ts).
exec dockerd --host=unix:///var/run/docker.sock --host=tcp://0.0.0.0:2376 \
  ${LAB_REGISTRY:+--insecure-registry="$LAB_REGISTRY"} \
  --tlsverify --tlscacert="$tls/ca.pem" --tlscert="$tls/server.pem" --tlskey="$tls/server-key.pem"
