#!/usr/bin/env bash
# Builds the akri-ts image from images/akri-ts.Dockerfile with buildah, for one architecture, on
# the local Node.js base (node-base.sh) passed as NODE_IMAGE, and saves it as a docker-archive
# that containerd imports (`ctr images import`). A foreign architecture is built under
# qemu-user-static, every stage of it: buildah 1.28 (Debian bookworm's) ignores the Dockerfile's
# `FROM --platform=$BUILDPLATFORM` (it leaves BUILDPLATFORM empty), so its compile stage runs
# emulated too, where docker buildx would run it natively.
# Cached by content: the key hashes the files the Dockerfile copies (after its .dockerignore), the
# Dockerfile, this script and the base image; an unchanged tree reuses the archive without
# starting buildah, and a changed one reuses buildah's layer cache up to the first changed step.
# Usage: build.sh [arch]   (amd64 | arm64; default: this machine's)
# Prints "<image ref> <archive path>" on its last line; the ref is docker.io/akri-ts/akri-ts:<arch>-<key>.
set -euo pipefail
. "$(dirname "$0")/common.sh"
host_arch=$(dpkg --print-architecture)
arch=${1:-$host_arch}
qemu_name "$arch" >/dev/null
need buildah buildah

base=$(node_base_name "$arch")
context_key=$(cd "$repo" && {
  find package.json package-lock.json tsconfig.json images agent controller discovery-handlers lib cli \
    -type f ! -name '*.test.ts' ! -path '*/node_modules/*'
  echo tools/images/build.sh
} | hash_files)
key=$(printf '%s\n' "$context_key" "$base" "$arch" | sha256sum | cut -c1-12)
ref="docker.io/akri-ts/akri-ts:$arch-$key"
archive="$image_cache/akri-ts-$arch-$key.docker.tar"
if [ -f "$archive" ]; then echo "$ref $archive"; exit 0; fi

# The base (it takes and drops the storage lock itself), then the build under the lock.
[ "$(bash "$here/node-base.sh" "$arch")" = "$base" ] || die "node-base.sh built another base than $base"
lock_storage
if [ ! -f "$archive" ]; then
  bash "$here/binfmt.sh" "$arch"
  say "building $ref from images/akri-ts.Dockerfile (cached in $image_cache)"
  start=$(date +%s)
  (cd "$repo" && bah bud --quiet --layers --jobs 2 --isolation oci --network host --pull=never \
    --platform "linux/$arch" \
    --build-arg "NODE_IMAGE=$base" --build-arg "BUILD_NODE_IMAGE=$base" \
    -f images/akri-ts.Dockerfile --ignorefile images/akri-ts.Dockerfile.dockerignore \
    -t "localhost/akri-ts:$arch-$key" .) >&2
  bah push --quiet "localhost/akri-ts:$arch-$key" "docker-archive:$archive.partial:$ref"
  mv "$archive.partial" "$archive"
  # Older builds of this architecture: keep the newest two archives, and only this image's tag
  # (buildah's intermediate layers stay, as the layer cache of the next build).
  ls -t "$image_cache/akri-ts-$arch-"*.docker.tar | tail -n +3 | xargs -r rm -f
  bah images --noheading --format '{{.Name}}:{{.Tag}}' --filter "reference=localhost/akri-ts:$arch-*" \
    | grep -vx "localhost/akri-ts:$arch-$key" | xargs -r -n1 buildah --root "$buildah_root" --runroot "$buildah_runroot" --storage-driver overlay rmi >/dev/null 2>&1 || true
  say "built $ref in $(( $(date +%s) - start )) s; $(bah images --noheading --format '{{.Size}}' "localhost/akri-ts:$arch-$key") uncompressed"
fi
echo "$ref $archive"
