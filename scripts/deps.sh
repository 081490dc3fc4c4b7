#!/bin/sh
# Install every Debian package the build, the tests, the guest, the debug
# kernel (scripts/debug-kernel.sh: bison, flex, libssl-dev, libelf-dev,
# bc, dwarves) and the benchmarks need.  Idempotent: asks apt only for what is missing.
#   scripts/deps.sh        install what is missing
#   scripts/deps.sh -n     only print what is missing (exit 1 if anything)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)

PKGS="
bc
bison
bpftool
busybox-static
clang
cpio
dwarves
file
flex
gcc
gnuplot-nox
kmod
libclang-rt-14-dev
libbpf-dev
libc6-dev
libelf-dev
libmnl-dev
libssl-dev
libstrongswan-standard-plugins
llvm
make
netbase
perl
pkg-config
python3
qemu-system-x86
strongswan-charon
strongswan-swanctl
tcpdump
valgrind
xz-utils
zstd
zlib1g-dev
"

missing() {
	for p in $PKGS "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || echo "$p"
	done
}

apt_install() {
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "$@"
}

need=$(missing)
if [ "${1:-}" = -n ]; then
	[ -z "$need" ] && exit 0
	echo "missing: $need"
	exit 1
fi
if [ -n "$need" ] || [ ! -s "$top/.cache/guest-kver" ]; then
	echo "deps: apt-get update"
	apt-get update -q >/dev/null
fi
[ -z "$need" ] || apt_install $need

# Headers of exactly the guest kernel the harness boots (not the
# metapackage: an old one installed earlier could name another ABI).
kver=$("$top/scripts/guest-kver.sh")
hdr=$(missing "linux-headers-$kver" | grep linux-headers || true)
[ -z "$hdr" ] || apt_install "$hdr"
exit 0
