#!/bin/sh
# Unit checks of the loader's XFRM decoding and SA direction logic on
# crafted netlink messages (tests/tools/loader_unit.c): strict lengths,
# no key bytes copied, attributes, template limit, flush semantics; and
# the netlink layer's reading and printing of extended acks.
# XFRMA_SA_DIR is numbered as Debian 12's newest kernel's own uapi header
# numbers it (this machine's 6.1 header has no such attribute).
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$top/tests/bin/loader_unit
[ -x "$bin" ] || { echo "SKIP: tests/bin/loader_unit not built (make -C tests)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
kdir=$("$top/scripts/newer-kernel-headers.sh" 2>"$tmp/err") || {
	tail -n 30 "$tmp/err"
	echo "FAIL: could not fetch newer kernel headers"
	exit 1
}
hdr=$(find "$(dirname "$kdir")" -path '*/include/uapi/linux/xfrm.h' | head -n 1)
mkdir "$tmp/linux"
cp "$hdr" "$tmp/linux/xfrm.h"
printf '%s\n' '#include <stdio.h>' '#include <linux/xfrm.h>' \
	'int main(void) { printf("%d %d\n", XFRMA_SA_DIR, XFRM_SA_DIR_OUT); return 0; }' |
	cc -I"$tmp" -x c - -o "$tmp/probe" 2>"$tmp/err" || {
	tail -n 30 "$tmp/err"
	echo "FAIL: $(basename "$kdir")'s uapi xfrm.h names no XFRMA_SA_DIR"
	exit 1
}
set -- $("$tmp/probe")
echo "kernel uapi ($(basename "$kdir")): XFRMA_SA_DIR $1, XFRM_SA_DIR_OUT $2"
IPSO_KERNEL_XFRMA_SA_DIR=$1 IPSO_KERNEL_XFRM_SA_DIR_OUT=$2 exec "$bin"
