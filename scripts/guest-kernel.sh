#!/bin/sh
# Fetch a Debian kernel image of one series (guest-kver.sh) into the cache
# and prepare it for the guest: an ELF vmlinux for direct (PVH) boot and
# a depmod-ed module tree.  Prints the cache directory.  Downloads only
# once per kernel release.
# usage: guest-kernel.sh [6.1|6.12]
set -eu
has_candidate() { apt-cache policy "$1" 2>/dev/null | grep -q 'Candidate: [^(]'; }
top=$(cd "$(dirname "$0")/.." && pwd)
kver=$("$top/scripts/guest-kver.sh" "${1:-6.1}")
dir=$top/.cache/guest/$kver

if [ -f "$dir/ready" ]; then
	echo "$dir"
	exit 0
fi
mkdir -p "$dir/debs"
# The signed image, or the unsigned one (same kernel) while it lags.
pkg=linux-image-$kver
has_candidate "$pkg" || pkg=$pkg-unsigned
echo "guest-kernel: downloading $pkg" >&2
(cd "$dir/debs" && apt-get download -q "$pkg" >&2)
rm -rf "$dir/image"
dpkg-deb -x "$dir"/debs/"$pkg"_*.deb "$dir/image"
"$top/scripts/extract-vmlinux.sh" "$dir/image/boot/vmlinuz-$kver" \
	"$dir/vmlinux"
# The package ships no modules.dep; build one on the extracted tree.
depmod -b "$dir/image" "$kver"
touch "$dir/ready"
echo "$dir"
