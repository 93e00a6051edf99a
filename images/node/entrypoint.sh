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
# --tls=false: dockerd 20.10 on TCP without TLS otherwise sleeps 15 s at start.
# Port 2375 is reachable only on the lab's private bridge network.
exec dockerd --host=unix:///var/run/docker.sock --host=tcp://0.0.0.0:2375 --tls=false
