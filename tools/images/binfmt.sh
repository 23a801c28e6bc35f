#!/usr/bin/env bash
# Lets this machine run another architecture's programs through Debian's qemu-user-static, as
# systemd-binfmt would at boot: mounts binfmt_misc if needed and registers the interpreter from
# /usr/lib/binfmt.d (flag F: the kernel opens it once, so it works inside containers too).
# Host-wide and idempotent; nothing to do for the machine's own architecture.
# Usage: binfmt.sh <arch>   (amd64 | arm64)
set -euo pipefail
. "$(dirname "$0")/common.sh"
arch=${1:?usage: binfmt.sh <arch>}
[ "$arch" = "$(dpkg --print-architecture)" ] && exit 0
name="qemu-$(qemu_name "$arch")"
conf="/usr/lib/binfmt.d/$name.conf"
[ -f "$conf" ] || die "$conf is missing; install it with: apt-get install qemu-user-static"
misc=/proc/sys/fs/binfmt_misc
if [ ! -e "$misc/register" ]; then
  mount -t binfmt_misc binfmt_misc "$misc" || die "cannot mount binfmt_misc on $misc (the kernel needs CONFIG_BINFMT_MISC)"
fi
[ -e "$misc/$name" ] || grep -v '^#' "$conf" > "$misc/register"
grep -qx enabled "$misc/$name" || die "$name is registered but disabled ($misc/$name)"
grep -q '^flags: .*F' "$misc/$name" || die "$name is registered without the F flag: containers could not reach its interpreter"
