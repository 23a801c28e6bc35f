#!/usr/bin/env bash
# Builds a pinned containerd 2.x (containerd, containerd-shim-runc-v2, ctr) from its Go module and
# caches it outside the repository, keyed by version, so only the first run on a machine pays.
# Debian bookworm's containerd is 1.6, which has no CDI; the DRA node tier needs a runtime that
# applies the CDI devices the kubelet names (containerd 2 enables CDI by default). runc stays
# Debian's (containerd only execs it; CDI edits are made to the OCI spec before runc sees it).
# The build runs inside the module's own directory so its go.mod (exclude directives included)
# decides every dependency version, exactly as upstream's release build does.
# Usage: build.sh   Prints the bin directory on its last line. Safe to run concurrently (flock).
set -euo pipefail
version=v2.1.9
module=github.com/containerd/containerd/v2
cache=${AKRI_TS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/akri-ts}
bin="$cache/containerd-$version/bin"
binaries=(containerd containerd-shim-runc-v2 ctr)
command -v go >/dev/null || { echo "build.sh: Go is not installed; it is needed to build containerd $version" >&2; exit 1; }
mkdir -p "$bin"
exec 9>"$bin/.lock"
flock 9
missing=()
for b in "${binaries[@]}"; do [ -x "$bin/$b" ] || missing+=("$b"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Building containerd $version: ${missing[*]} (first run only; cached in $bin)" >&2
  start=$(date +%s)
  src=$(go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$src" ] || { echo "build.sh: go mod download $module@$version gave no source directory" >&2; exit 1; }
  ldflags="-s -w -X $module/version.Version=$version -X $module/version.Revision=akri-ts-module-build"
  # No cgo: the btrfs snapshotter (the only cgo part) is left out, as are devmapper and zfs,
  # which need host tools this node never has. The shim drops its unused gRPC server (no_grpc),
  # as upstream's Makefile builds it.
  tags="no_btrfs no_devmapper no_zfs urfave_cli_no_docs"
  for b in "${missing[@]}"; do
    t=$tags; [ "$b" = containerd-shim-runc-v2 ] && t="$tags no_grpc"
    (cd "$src" && CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false" go build -p "${AKRI_TS_BUILD_JOBS:-2}" -trimpath \
        -tags "$t" -ldflags "$ldflags" -o "$bin/$b" "./cmd/$b")
  done
  echo "Built containerd $version (${missing[*]}) in $(( $(date +%s) - start )) s" >&2
fi
echo "$bin"
