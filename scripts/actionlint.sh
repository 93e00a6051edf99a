#!/usr/bin/env bash
# Runs actionlint (https://github.com/rhysd/actionlint, MIT) on the repository's workflows, built
# from its Go module the first time (Go needed; no binary download) and kept in the user cache.
# Any arguments are passed to actionlint; none: every file in .github/workflows.
set -euo pipefail
version=v1.7.12
root=$(cd "$(dirname "$0")/.." && pwd)
bin="${XDG_CACHE_HOME:-$HOME/.cache}/swarm-lab/tools/actionlint-$version"
if [ ! -x "$bin/actionlint" ]; then
  command -v go >/dev/null || { echo "actionlint: Go is needed to build actionlint $version (https://go.dev/dl, or apt-get install golang)" >&2; exit 2; }
  mkdir -p "$bin"
  # quiet when it works ("go: downloading ..." is not a finding); its output when it fails
  log=$(mktemp)
  GOBIN="$bin" CGO_ENABLED=0 go install "github.com/rhysd/actionlint/cmd/actionlint@$version" >"$log" 2>&1 \
    || { cat "$log" >&2; rm -f "$log"; echo "actionlint: go install github.com/rhysd/actionlint/cmd/actionlint@$version failed: the Go module proxy must answer (go env GOPROXY)" >&2; exit 2; }
  rm -f "$log"
fi
cd "$root"
exec "$bin/actionlint" "$@"
