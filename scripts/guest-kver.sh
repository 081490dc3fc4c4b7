#!/bin/sh
# Print the release of Debian's current 6.1 kernel (e.g. 6.1.0-56-amd64),
# as the archive's linux-image-amd64 metapackage names it, and cache it.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cache=$top/.cache/guest-kver
if [ -s "$cache" ] && [ -z "${IPSO_REFRESH_KVER:-}" ]; then
	cat "$cache"
	exit 0
fi
kver=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: linux-image-\(6\.1\.[0-9]*-[0-9]*-amd64\)$/\1/p' | head -n1)
if [ -z "$kver" ]; then
	echo "guest-kver: cannot find linux-image-6.1.*-amd64 via apt-cache (run apt-get update)" >&2
	exit 1
fi
mkdir -p "$top/.cache"
echo "$kver" > "$cache"
echo "$kver"
