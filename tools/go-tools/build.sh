#!/usr/bin/env bash
# Installs pinned Go-built tools (helm, kubeconform) into a cache outside the repository,
# keyed by version, so only the first run on a machine builds them. Prints the bin directory.
# Usage: build.sh [tool ...]   (default: all)
set -euo pipefail
declare -A modules=(
  [helm]="helm.sh/helm/v3/cmd/helm@v3.22.0"
  [kubeconform]="github.com/yannh/kubeconform/cmd/kubeconform@v0.8.0"
)
cache=${AKRI_TS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/akri-ts}
tools=("$@")
[ ${#tools[@]} -gt 0 ] || tools=(helm kubeconform)
command -v go >/dev/null || { echo "build.sh: Go is not installed; it is needed to build ${tools[*]}" >&2; exit 1; }
for t in "${tools[@]}"; do
  mod=${modules[$t]:-}
  [ -n "$mod" ] || { echo "build.sh: unknown tool $t" >&2; exit 1; }
  bin="$cache/go-tools/${mod##*@}-$t"
  mkdir -p "$bin"
  exec 9>"$bin/.lock"; flock 9
  if [ ! -x "$bin/$t" ]; then
    echo "Building $t ($mod), first run only; cached in $bin" >&2
    start=$(date +%s)
    CGO_ENABLED=0 GOBIN="$bin" go install -trimpath -ldflags "-s -w" "$mod"
    echo "Built $t in $(( $(date +%s) - start )) s" >&2
  fi
  exec 9>&-
  echo "$bin"
done
