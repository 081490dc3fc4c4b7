#!/bin/sh
# Print the release of the guest kernel of one series and cache it:
#   guest-kver.sh [6.1]   Debian 12's current 6.1, as the archive's
#                         linux-image-amd64 metapackage names it
#                         (e.g. 6.1.0-57-amd64)
#   guest-kver.sh 6.12    the newest 6.12.N+deb12-amd64 whose headers and
#                         image (signed or, while the signed one lags,
#                         unsigned) are both in the archive
# No ABI number is hard-coded: Debian moves them.  IPSO_REFRESH_KVER=1
# asks apt again.
set -eu
has_candidate() { apt-cache policy "$1" 2>/dev/null | grep -q 'Candidate: [^(]'; }
top=$(cd "$(dirname "$0")/.." && pwd)
series=${1:-6.1}
case $series in
6.1) cache=$top/.cache/guest-kver ;;
6.12) cache=$top/.cache/guest-kver-6.12 ;;
*) echo "guest-kver: unknown kernel series '$series' (6.1 or 6.12)" >&2; exit 2 ;;
esac
if [ -s "$cache" ] && [ -z "${IPSO_REFRESH_KVER:-}" ]; then
	cat "$cache"
	exit 0
fi
if [ "$series" = 6.1 ]; then
	kver=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\(6\.1\.[0-9]*-[0-9]*-amd64\)$/\1/p' | head -n1)
else
	kver=
	for rel in $(apt-cache search --names-only \
			'^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' |
		     sed -n 's/^linux-headers-\([^ ]*\) .*/\1/p' | sort -rV); do
		if has_candidate "linux-image-$rel" ||
		   has_candidate "linux-image-$rel-unsigned"; then
			kver=$rel
			break
		fi
	done
fi
if [ -z "$kver" ]; then
	echo "guest-kver: no $series kernel image with headers via apt-cache (run apt-get update)" >&2
	exit 1
fi
mkdir -p "$top/.cache"
echo "$kver" > "$cache"
echo "$kver"
