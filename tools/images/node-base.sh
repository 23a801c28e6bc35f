#!/usr/bin/env bash
# Builds the local stand-in for node:20-bookworm-slim, for one architecture: a Debian bookworm
# minbase root filesystem (mmdebstrap, from deb.debian.org; a foreign one through qemu-user-static)
# plus the official Node.js binary, headers included, from the npm registry's node-linux-<arch>
# package and npm from its own package (versions and sha512 pinned in pins.env). The headers let
# node-gyp build native modules without downloading them (the Dockerfile sets npm_config_nodedir).
# Certificates the host adds to its trust store (/usr/local/share/ca-certificates, e.g. a
# TLS-inspecting egress proxy's) go in as NODE_EXTRA_CA_CERTS, so npm inside the build reaches the
# registry the way the host does. Cached by content: the key hashes this recipe, the pins and those
# certificates; the image is kept in buildah's storage and as an OCI archive in the cache.
# Usage: node-base.sh <arch>   Prints the image name (localhost/akri-ts-node-base:<arch>-<key>).
set -euo pipefail
. "$(dirname "$0")/common.sh"
arch=${1:?usage: node-base.sh <arch>}
qemu_name "$arch" >/dev/null
need buildah buildah
need mmdebstrap mmdebstrap
need npm npm
. "$here/pins.env"
node_integrity_var="NODE_INTEGRITY_$arch"
node_integrity=${!node_integrity_var}

mapfile -t extra_cas < <(host_extra_cas)
name=$(node_base_name "$arch")
archive="$image_cache/akri-ts-node-base-${name#*:}.oci.tar"

lock_storage
if bah inspect --type image "$name" >/dev/null 2>&1; then echo "$name"; exit 0; fi
if [ -f "$archive" ]; then
  bah pull --quiet "oci-archive:$archive" >/dev/null
  bah tag "$(bah images --noheading --format '{{.ID}}' --filter "reference=$name" 2>/dev/null | head -1 || true)" "$name" 2>/dev/null || true
  bah inspect --type image "$name" >/dev/null 2>&1 && { echo "$name"; exit 0; }
fi

bash "$here/binfmt.sh" "$arch"
say "building $name (first run only; cached in $image_cache)"
start=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/akri-ts-node-base.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Official Node.js and npm from the registry, checked against the pinned sha512.
nodepkg="node-linux-$(node_arch "$arch")"
(cd "$work" && npm pack --loglevel=error "$nodepkg@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null) || die "npm pack $nodepkg@$NODE_VERSION npm@$NPM_VERSION failed"
check() {
  local file=$1 want=$2 got
  got="sha512-$(openssl dgst -sha512 -binary "$file" | base64 -w0)"
  [ "$got" = "$want" ] || die "$file: integrity $got, pinned $want (pins.env)"
}
check "$work/$nodepkg-$NODE_VERSION.tgz" "$node_integrity"
check "$work/npm-$NPM_VERSION.tgz" "$NPM_INTEGRITY"
mkdir -p "$work/add/usr/local/lib/node_modules/npm" "$work/add/usr/local/bin" "$work/add/usr/local/share/ca-certificates" "$work/add/etc/apt/apt.conf.d"
# As in Debian's own container images: apt keeps no downloaded .deb and no binary package cache,
# so a Dockerfile's `apt-get install` leaves only the installed files in its layer (77 MB less).
cat > "$work/add/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT
tar -xzf "$work/$nodepkg-$NODE_VERSION.tgz" -C "$work/add/usr/local" --strip-components=1 --no-same-owner package/bin package/include package/share
tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$work/add/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/add/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/add/usr/local/bin/npx"
envs=()
if [ ${#extra_cas[@]} -gt 0 ]; then
  cat "${extra_cas[@]}" > "$work/add/usr/local/share/ca-certificates/host-extra.crt"
  envs+=(--env NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/host-extra.crt)
fi

# A minimal Debian as the Debian image's slim variant is: no manuals, docs or locales.
mirror=http://deb.debian.org/debian
SOURCE_DATE_EPOCH=0 mmdebstrap --quiet --variant=minbase --arch="$arch" \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  "$DEBIAN_SUITE" "$work/rootfs.tar" \
  "deb $mirror $DEBIAN_SUITE main" "deb $mirror $DEBIAN_SUITE-updates main" \
  "deb http://deb.debian.org/debian-security $DEBIAN_SUITE-security main"

ctr=$(bah from --quiet scratch)
bah add --quiet "$ctr" "$work/rootfs.tar" /
bah copy --quiet "$ctr" "$work/add" /
bah config --os linux --arch "$arch" \
  --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env NODE_VERSION="$NODE_VERSION" "${envs[@]}" \
  --cmd node --label "org.opencontainers.image.description=akri-ts local Node.js base ($DEBIAN_SUITE, node $NODE_VERSION, $arch)" \
  "$ctr"
bah commit --quiet --rm "$ctr" "$name" >/dev/null
bah push --quiet "$name" "oci-archive:$archive.partial:$name"
mv "$archive.partial" "$archive"
say "built $name in $(( $(date +%s) - start )) s"
echo "$name"
