#!/bin/bash
# Build the project's modules for a guest kernel other than the one the
# tree's own kmod/ is built for, in a copy under that kernel's cache
# directory (mtimes kept, so a rebuild is incremental), and print the
# directory whose kmod/ holds them.  The kernel's headers are fetched
# into the cache, not installed (newer-kernel-headers.sh), unless KDIR
# names a built tree (the debug kernel's, debug-kernel.sh).
# usage: guest-modules.sh RELEASE [KDIR]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
rel=$1
kdir=${2:-$("$top/scripts/newer-kernel-headers.sh" "$rel")}
out=$top/.cache/guest/$rel/build
mkdir -p "$out"
# only what Kbuild reads: sources, headers, Kbuild files.  Not the
# *.mod.c modpost wrote for the tree's own (6.1) build: newer than this
# build's objects, they would be compiled in with 6.1's symbol versions,
# and the guest refuses the module ("Invalid module format").
rm -rf "$out/include"
cp -a "$top/include" "$out/"
(cd "$top" && find kmod \( \( -name '*.[ch]' ! -name '*.mod.c' \) \
	-o -name Kbuild \) -print0) |
	(cd "$top" && xargs -0 cp -a --parents -t "$out")
if ! make -C "$kdir" M="$out/kmod" modules >"$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log" >&2
	echo "guest-modules: modules do not build against $rel" >&2
	exit 1
fi
echo "$out"
