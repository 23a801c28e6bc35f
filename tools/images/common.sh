# Shared by the image recipes (sourced, not run): the cache directory, buildah with a storage of
# our own under it, and the lock that serialises everything that touches that storage.
# Root and overlayfs: buildah runs RUN steps with runc (--isolation oci) in their own mount, PID,
# IPC and UTS namespaces and a cgroup (cgroupfs; this machine has no systemd), on the kernel's
# overlay driver. The network is the host's, because the Dockerfile's RUN steps reach apt and npm.
cache=${AKRI_TS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/akri-ts}
image_cache="$cache/images"
buildah_root="$cache/buildah/storage"
buildah_runroot="$cache/buildah/run"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

bah() {
  buildah --root "$buildah_root" --runroot "$buildah_runroot" --storage-driver overlay "$@"
}

say() { echo "$(basename "$0"): $*" >&2; }
die() { say "$*"; exit 1; }

need() {
  local bin=$1 pkg=$2
  command -v "$bin" >/dev/null || die "$bin is not installed; install it with: apt-get install $pkg"
}

# Takes the storage lock for the rest of the script (fd 8). A killed earlier build can leave
# overlay mounts and a stale run directory behind: with the lock held nothing else is using this
# storage, so both are cleared first.
lock_storage() {
  mkdir -p "$image_cache" "$cache/buildah"
  exec 8>"$cache/buildah/.lock"
  flock 8
  local m
  while read -r m; do umount -l "$m" 2>/dev/null || true; done < <(awk -v root="$buildah_root/" 'index($2, root) == 1 { print $2 }' /proc/mounts | sort -r)
  rm -rf "$buildah_runroot"
}

# sha256 of files and strings given on stdin as "path" lines (file contents) — stable order.
hash_files() {
  (cd "$repo" && sort | while read -r f; do printf '%s\0' "$f"; sha256sum < "$f"; done) | sha256sum | cut -c1-64
}

# Node.js's name for a Debian/OCI architecture (node-linux-<name> on the npm registry).
node_arch() {
  case $1 in
    amd64) echo x64 ;;
    arm64) echo arm64 ;;
    *) die "unsupported architecture $1 (amd64 or arm64)" ;;
  esac
}

# qemu's name for a Debian/OCI architecture (/usr/lib/binfmt.d/qemu-<name>.conf).
qemu_name() {
  case $1 in
    amd64) echo x86_64 ;;
    arm64) echo aarch64 ;;
    *) die "unsupported architecture $1 (amd64 or arm64)" ;;
  esac
}

# The local Node.js base's name for an architecture: its tag is a hash of node-base.sh, the pins
# and the certificates the host adds to its trust store (what goes into the image).
host_extra_cas() {
  local f
  for f in /usr/local/share/ca-certificates/*.crt; do [ -f "$f" ] && echo "$f"; done
  return 0
}
node_base_name() {
  local arch=$1 key cas
  mapfile -t cas < <(host_extra_cas)
  key=$( { sha256sum "$here/node-base.sh" "$here/pins.env" | cut -c1-64; echo "$arch"; cat "${cas[@]}" /dev/null; } | sha256sum | cut -c1-16)
  echo "localhost/akri-ts-node-base:$arch-$key"
}
