#!/usr/bin/env bash
# Builds the pinned Kubernetes binaries from their Go modules and caches them outside the
# repository, keyed by version, so that only the first run on a machine pays for the build.
# Usage: build.sh [component ...]   (default: the control plane, kubectl, the kubelet and kube-proxy)
# Prints the bin directory on its last line. Safe to run concurrently (flock).
# AKRI_TS_BUILD_PROGRESS=1: also print how many packages must be compiled, then each package's
# import path as Go compiles it (go build -v), so a caller can show real progress.
# AKRI_TS_KUBE_MODULE_DIR: build from another Go module that requires k8s.io/kubernetes (a test
# points it at a small stand-in to exercise the first-run path in seconds).
set -euo pipefail
here=$(cd "${AKRI_TS_KUBE_MODULE_DIR:-$(dirname "$0")}" && pwd)
version=$(sed -n 's/^require k8s.io\/kubernetes v\(.*\)$/\1/p' "$here/go.mod")
[ -n "$version" ] || { echo "build.sh: cannot read the pinned k8s.io/kubernetes version from $here/go.mod" >&2; exit 1; }
cache=${AKRI_TS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/akri-ts}
bin="$cache/kubernetes-v$version/bin"
components=("$@")
[ ${#components[@]} -gt 0 ] || components=(kube-apiserver kube-scheduler kube-controller-manager kubectl kubelet kube-proxy)
command -v go >/dev/null || { echo "build.sh: Go is not installed; it is needed to build Kubernetes v$version" >&2; exit 1; }
mkdir -p "$bin"
exec 9>"$bin/.lock"
flock 9
missing=()
for c in "${components[@]}"; do [ -x "$bin/$c" ] || missing+=("$c"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Building Kubernetes v$version: ${missing[*]} (first run only; cached in $bin)" >&2
  start=$(date +%s)
  major=${version%%.*}; rest=${version#*.}; minor=${rest%%.*}
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=v$version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  pkgs=()
  for c in "${missing[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
  verbose=()
  if [ -n "${AKRI_TS_BUILD_PROGRESS:-}" ]; then
    # What go build will compile: the dependencies Go's build cache does not hold yet (Stale),
    # main packages aside (they are compiled and linked last). Resolving them also downloads
    # the modules the first time.
    todo=$(cd "$here" && CGO_ENABLED=0 GOFLAGS=-mod=mod go list -trimpath -deps \
      -f '{{if and .Stale (ne .Name "main")}}{{.ImportPath}}{{end}}' "${pkgs[@]}" | awk 'NF { n++ } END { print n + 0 }')
    echo "Compiling $todo packages, then linking ${missing[*]}" >&2
    verbose=(-v)
  fi
  (cd "$here" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build "${verbose[@]}" -p "${AKRI_TS_BUILD_JOBS:-2}" -trimpath \
      -ldflags "$ldflags" -o "$bin/" "${pkgs[@]}")
  echo "Built ${missing[*]} in $(( $(date +%s) - start )) s" >&2
fi
echo "$bin"
