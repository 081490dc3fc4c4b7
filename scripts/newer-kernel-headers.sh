#!/bin/sh
# Fetch the headers of the newest non-6.1 kernel Debian 12 carries (e.g.
# linux-headers-6.12.N+deb12-amd64) into the cache, without installing
# them (installing pulls in the image, systemd and initramfs-tools), and
# print the directory to use as KDIR.  The modules' version guards are
# checked by building against it (tests/host/test_kmod_build_newer.sh).
# With RELEASE, the headers of that release (the 6.12 guest kernel's).
# usage: newer-kernel-headers.sh [RELEASE]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -gt 0 ]; then
	pkg=linux-headers-$1
else
	pkg=$(apt-cache search --names-only '^linux-headers-6\.[0-9]+\.[0-9]+\+deb12-amd64$' |
		cut -d' ' -f1 | grep -v '^linux-headers-6\.1\.' | sort -V | tail -n 1)
fi
if [ -z "$pkg" ]; then
	echo "newer-kernel-headers: no linux-headers-6.x+deb12-amd64 in the archive (apt-get update?)" >&2
	exit 1
fi
ver=${pkg#linux-headers-}
dir=$top/.cache/newer-headers/$ver
kdir=$dir/root/usr/src/$pkg
if [ ! -f "$dir/ready" ]; then
	rm -rf "$dir"
	mkdir -p "$dir/debs"
	deps=$(apt-cache depends "$pkg" |
		sed -n 's/^ *Depends: \(linux-\(headers\|kbuild\)-[^ ]*\)$/\1/p')
	(cd "$dir/debs" && apt-get download -q "$pkg" $deps >&2)
	for d in "$dir"/debs/*.deb; do
		dpkg-deb -x "$d" "$dir/root"
	done
	# its Makefile includes the common headers by absolute path
	sed -i "s|/usr/src/|$dir/root/usr/src/|" "$kdir/Makefile"
	touch "$dir/ready"
fi
echo "$kdir"
