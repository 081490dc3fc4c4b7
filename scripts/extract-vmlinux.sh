#!/bin/sh
# Pull the ELF vmlinux out of a bzImage compressed with xz (Debian's 6.1)
# or zstd (Debian's 6.12): booting it directly (PVH) skips the in-guest
# decompressor, seconds under TCG.
# usage: extract-vmlinux.sh VMLINUZ OUT
set -eu
img=$1
out=$2
try() {	# MAGIC DECOMPRESSOR...
	magic=$1
	shift
	for pos in $(LC_ALL=C grep -obUaP "$magic" "$img" | cut -d: -f1); do
		tail -c +$((pos + 1)) "$img" | "$@" >"$out.tmp" 2>/dev/null || true
		if [ "$(head -c 4 "$out.tmp" | od -An -c | tr -d ' ')" = '177ELF' ]; then
			mv "$out.tmp" "$out"
			exit 0
		fi
	done
}
try '\xfd7zXZ\x00' xz -dc
try '\x28\xb5\x2f\xfd' zstd -dcq
rm -f "$out.tmp"
echo "extract-vmlinux: no xz- or zstd-compressed ELF in $img" >&2
exit 1
