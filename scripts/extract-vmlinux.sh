#!/bin/sh
# Pull the ELF vmlinux out of an xz-compressed bzImage: booting it
# directly (PVH) skips the in-guest decompressor, seconds under TCG.
# usage: extract-vmlinux.sh VMLINUZ OUT
set -eu
img=$1
out=$2
for pos in $(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$img" | cut -d: -f1); do
	tail -c +$((pos + 1)) "$img" | xz -dc >"$out.tmp" 2>/dev/null || true
	if [ "$(head -c 4 "$out.tmp" | od -An -c | tr -d ' ')" = '177ELF' ]; then
		mv "$out.tmp" "$out"
		exit 0
	fi
done
rm -f "$out.tmp"
echo "extract-vmlinux: no xz-compressed ELF in $img" >&2
exit 1
