#!/usr/bin/env bash
# The Python venv (.venv) for the app's tests, lint and the wheel downloads of the offline images;
# .venv-iac for the checkers of the cloud template; .venv-ansible for the hosts' provisioning
# (ansible-core, ansible-lint).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
  || { echo "setup-python: Python 3.11+ is needed (found $("$python" --version))" >&2; exit 2; }
[ -x "$root/.venv/bin/python" ] || "$python" -m venv "$root/.venv"
"$root/.venv/bin/pip" install --quiet --upgrade pip
"$root/.venv/bin/pip" install --quiet --require-hashes -r "$root/app/requirements.lock"
"$root/.venv/bin/pip" install --quiet -r "$root/app/requirements-dev.txt"
# The cloud template's checkers (cfn-lint, checkov) in a venv of their own: their pins
# (checkov's packaging<24, say) must not move the app's.
[ -x "$root/.venv-iac/bin/python" ] || "$python" -m venv "$root/.venv-iac"
"$root/.venv-iac/bin/pip" install --quiet --upgrade pip
"$root/.venv-iac/bin/pip" install --quiet --require-hashes -r "$root/scripts/cloud/requirements.lock"
# The provisioning of ssh hosts and Vagrant VMs (scripts/provision), pinned apart as well.
[ -x "$root/.venv-ansible/bin/python" ] || "$python" -m venv "$root/.venv-ansible"
"$root/.venv-ansible/bin/pip" install --quiet --upgrade pip
"$root/.venv-ansible/bin/pip" install --quiet --require-hashes -r "$root/scripts/provision/requirements.lock"
echo "setup-python: $("$root/.venv/bin/python" --version) in .venv; cfn-lint and checkov in .venv-iac;" \
  "ansible-core and ansible-lint in .venv-ansible"
