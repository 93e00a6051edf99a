#!/bin/sh
# A bare host's boot: what a VM's init would give the play (writable /sys and cgroups for the
# engine it installs, host keys, the controller's key), then sshd in the foreground.
set -eu
mount -o remount,rw /sys 2>/dev/null || true
for d in /sys/fs/cgroup/*/; do
  mount -o remount,rw,bind "$d" "$d" 2>/dev/null || true
done
rm -f /var/run/docker.pid
ssh-keygen -A >/dev/null
if [ -n "${AUTHORIZED_KEY:-}" ]; then
  install -d -m 0700 -o lab -g lab /home/lab/.ssh
  printf '%s\n' "$AUTHORIZED_KEY" > /home/lab/.ssh/authorized_keys
  chown lab:lab /home/lab/.ssh/authorized_keys
  chmod 0600 /home/lab/.ssh/authorized_keys
fi
exec /usr/sbin/sshd -D -e
