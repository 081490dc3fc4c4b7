#!/bin/sh
# Fetch Debian's 6.1 kernel image into the cache and prepare it for the
# guest: an ELF vmlinux for direct (PVH) boot and a depmod-ed module tree.
# Prints the cache directory.  Downloads only once per kernel release.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
kver=$("$top/scripts/guest-kver.sh")
dir=$top/.cache/guest/$kver

if [ -f "$dir/ready" ]; then
	echo "$dir"
	exit 0
fi
mkdir -p "$dir/debs"
echo "guest-kernel: downloading linux-image-$kver" >&2
(cd "$dir/debs" && apt-get download -q "linux-image-$kver" >&2)
rm -rf "$dir/image"
dpkg-deb -x "$dir"/debs/linux-image-"$kver"_*.deb "$dir/image"
"$top/scripts/extract-vmlinux.sh" "$dir/image/boot/vmlinuz-$kver" \
	"$dir/vmlinux"
# The package ships no modules.dep; build one on the extracted tree.
depmod -b "$dir/image" "$kver"
touch "$dir/ready"
echo "$dir"
