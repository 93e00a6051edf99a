#!/usr/bin/env bash
# Installs and starts what the lab needs on a Debian/Ubuntu host (run as root):
# the Docker engine, debootstrap (offline base image), promtool and amtool, Graphviz (lab:diagram), HAProxy (checks the Docker API proxies' allow-lists), OpenSSL (CA tests), Chromium (the docs page test), Vagrant (validates the Vagrantfile; no VM is booted), Postgres binaries for the
# app's tests, shellcheck. Starts dockerd when no engine answers. Safe to rerun.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "setup-host: run as root (sudo bash scripts/setup-host.sh)" >&2; exit 2; }
packages=(docker.io debootstrap prometheus prometheus-alertmanager postgresql shellcheck graphviz haproxy ca-certificates curl iproute2 openssl chromium tmux poppler-utils vagrant)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup-host: installing ${missing[*]}"
  apt-get update -qq
  # policy-rc.d: installing packages must not start their services (prometheus, postgresql).
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
  echo "setup-host: starting dockerd (log: /var/log/swarm-lab-dockerd.log)"
  rm -f /var/run/docker.pid
  nohup setsid dockerd >/var/log/swarm-lab-dockerd.log 2>&1 < /dev/null &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { echo "setup-host: dockerd did not start; see /var/log/swarm-lab-dockerd.log" >&2; exit 1; }
fi
echo "setup-host: Docker $(docker version --format '{{.Server.Version}}') ready"
