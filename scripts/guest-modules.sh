#!/bin/bash
# Build the project's modules for a guest kernel other than the one the
# tree's own kmod/ is built for, in a copy under that kernel's cache
# directory (mtimes kept, so a rebuild is incremental), and print the
# directory whose kmod/ holds them.  The kernel's headers are fetched
# into the cache, not installed (newer-kernel-headers.sh).
# usage: guest-modules.sh RELEASE
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
rel=$1
kdir=$("$top/scripts/newer-kernel-headers.sh" "$rel")
out=$top/.cache/guest/$rel/build
mkdir -p "$out"
# only what Kbuild reads: sources, headers, Kbuild files
rm -rf "$out/include"
cp -a "$top/include" "$out/"
(cd "$top" && find kmod \( -name '*.[ch]' -o -name Kbuild \) -print0) |
	(cd "$top" && xargs -0 cp -a --parents -t "$out")
if ! make -C "$kdir" M="$out/kmod" modules >"$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log" >&2
	echo "guest-modules: modules do not build against $rel" >&2
	exit 1
fi
echo "$out"
