#!/usr/bin/env bash
# ruff and mypy on the Python service and the backup daemon, and shellcheck on the scripts when it is installed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/app"
"$root/.venv/bin/ruff" check .
"$root/.venv/bin/ruff" format --check .
"$root/.venv/bin/mypy" swarm_app
# The backup service's daemon (images/postgres) runs on Debian's Python 3.11: same checks.
"$root/.venv/bin/ruff" check "$root/images/postgres/backupd.py"
"$root/.venv/bin/ruff" format --check "$root/images/postgres/backupd.py"
"$root/.venv/bin/mypy" --strict --ignore-missing-imports "$root/images/postgres/backupd.py"
# The node agent and the alert receiver, likewise (their tests are typed more loosely: fixtures).
for agent in logship alert-receiver; do
  "$root/.venv/bin/ruff" check "$root/images/$agent"
  "$root/.venv/bin/ruff" format --check "$root/images/$agent"
done
"$root/.venv/bin/mypy" --strict "$root/images/logship/logship.py" "$root/images/alert-receiver/receiver.py" \
  "$root/images/alert-receiver/remediator.py" "$root/images/alert-receiver/actions.py"
if command -v shellcheck >/dev/null; then
  shellcheck -x "$root"/scripts/*.sh "$root"/images/*/*.sh "$root"/app/entrypoint.sh "$root"/.ci/run
else
  echo "lint-app: shellcheck not installed (apt-get install shellcheck): scripts not checked" >&2
fi
