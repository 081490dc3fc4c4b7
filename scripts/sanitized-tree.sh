#!/bin/bash
# Make DEST a copy of this tree's sources, built with SANITIZE=1
# (AddressSanitizer and UndefinedBehaviorSanitizer on the loader,
# libipso.a and every dynamically linked test program), for the host
# tier.  The copy shares the tree's download cache (.cache) and leaves the
# tree's own build, which the guest tier runs, as it is.
#
# usage: scripts/sanitized-tree.sh DEST
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:?usage: $0 DEST}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
case $dest/ in
"$top"/build/*) ;;
*) echo "sanitized-tree: DEST must be under $top/build" >&2; exit 2 ;;
esac
# Everything but outputs and caches; the BPF objects and skeletons come
# along (BPF is not instrumented) so they are not built twice.
tar -C "$top" --exclude=./.git --exclude=./.cache --exclude=./build \
	--exclude=./tests/out --exclude=./tests/bin --exclude=./bench/out \
	--exclude=./loader/ipsec-offload --exclude=./loader/lib/libipso.a \
	-cf - . | tar -C "$dest" -xf -
ln -sfn "$top/.cache" "$dest/.cache"
mkdir -p "$top/.cache"
make -s -C "$dest" SANITIZE=1 bpf loader tests
