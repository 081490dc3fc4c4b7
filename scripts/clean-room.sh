#!/bin/bash
# Prove a clean install: build a fresh Debian 12 root from Debian's
# archive, put a fresh clone of this repository in it and run `.ci/run`
# there, with /proc, /sys, /dev, bpffs and network namespaces available.
# Whatever the suite needs and scripts/deps.sh does not install fails
# here, whatever this machine has had installed by hand.
#
# Run by hand, as root (not by CI).  It takes about 25 minutes: the root,
# then a whole cold `.ci/run` (see docs/testing.md).
#
# usage: scripts/clean-room.sh [-k] [-r REV] [-d DIR] [-- COMMAND...]
#   -k        keep the root afterwards (default: delete it)
#   -r REV    commit to clone (default: HEAD)
#   -d DIR    where to build the root (default: a new directory in
#             ${TMPDIR:-/var/tmp})
#   COMMAND   run this in the clone instead of `bash .ci/run`
# The root starts with what a fresh machine has: Debian's minbase plus
# gcc, clang, make, iproute2 and git.  It uses this machine's apt
# sources and apt configuration, so it sees the same archive.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
keep=0
rev=HEAD
dir=
while getopts "kr:d:" o; do
	case $o in
	k) keep=1 ;;
	r) rev=$OPTARG ;;
	d) dir=$OPTARG ;;
	*) sed -n '11,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ "${1:-}" != -- ] || shift
[ "$(id -u)" = 0 ] || { echo "clean-room: run as root" >&2; exit 2; }
git -C "$top" rev-parse -q --verify "$rev^{commit}" >/dev/null || {
	echo "clean-room: no such commit: $rev" >&2
	exit 2
}
if [ $# -gt 0 ]; then
	cmd=$(printf '%q ' "$@")
else
	cmd='bash .ci/run'
fi

mirror=$("$top/scripts/archive-uri.sh" || true)
[ -n "$mirror" ] || { echo "clean-room: no bookworm archive in apt sources" >&2; exit 1; }

if ! command -v debootstrap >/dev/null; then
	echo "clean-room: installing debootstrap"
	apt-get update -q >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends debootstrap >/dev/null
fi

if [ -z "$dir" ]; then
	dir=$(mktemp -d "${TMPDIR:-/var/tmp}/ipso-clean-room.XXXXXX")
else
	mkdir -p "$dir"
	[ -z "$(ls -A "$dir")" ] || { echo "clean-room: $dir is not empty" >&2; exit 2; }
fi
root=$dir/root
log=$dir/run.log
cleanup() {
	if [ $keep = 1 ]; then
		echo "clean-room: root kept in $dir"
	else
		rm -rf --one-file-system "$dir"
	fi
}
trap cleanup EXIT

t0=$(date +%s)
echo "clean-room: debootstrap bookworm (minbase) into $root"
debootstrap --variant=minbase \
	--include=gcc,clang,make,iproute2,git,ca-certificates \
	bookworm "$root" "$mirror" >"$dir/debootstrap.log" 2>&1 || {
	tail -n 30 "$dir/debootstrap.log" >&2
	exit 1
}
t1=$(date +%s)
echo "clean-room: root ready in $((t1 - t0)) s"

# Same archive and apt settings as this machine, nothing else of it.
rm -f "$root"/etc/apt/sources.list
cp -a /etc/apt/sources.list.d/*.sources "$root/etc/apt/sources.list.d/" 2>/dev/null || true
[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$root/etc/apt/"
for f in /etc/apt/apt.conf.d/*; do
	grep -qs 'Check-Valid-Until\|Proxy' "$f" && cp "$f" "$root/etc/apt/apt.conf.d/"
done
cp /etc/resolv.conf "$root/etc/resolv.conf"

git clone -q --no-local "$top" "$root/root/ipsec-offload"
git -C "$root/root/ipsec-offload" checkout -q --detach "$(git -C "$top" rev-parse "$rev")"
echo "clean-room: clone of $(git -C "$top" rev-parse --short "$rev")"
echo "clean-room: packages deps.sh would add:" \
	"$(chroot "$root" sh -c 'cd /root/ipsec-offload && scripts/deps.sh -n' | sed "s/^missing: //" | tr "\n" " " || true)"

# A private mount namespace: everything mounted here goes away with it.
echo "clean-room: running '$cmd' in the root (log: $log)"
set +e
unshare --mount --propagation private -- /bin/sh -eu -c '
	r=$1; shift
	# a mount point, so that unshare --mount in the tests can make it private
	mount --bind "$r" "$r"
	mount -t proc proc "$r/proc"
	mount -t sysfs sysfs "$r/sys"
	mount -t bpf bpf "$r/sys/fs/bpf"
	mount -t debugfs debugfs "$r/sys/kernel/debug" 2>/dev/null || true
	mount --rbind /dev "$r/dev"
	mount -t tmpfs tmpfs "$r/run"
	mount -t tmpfs tmpfs "$r/tmp"
	exec chroot "$r" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/bash -c "cd /root/ipsec-offload && $1"
' clean-room "$root" "$cmd" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
t2=$(date +%s)
echo "clean-room: '$cmd' exited $rc after $((t2 - t1)) s (root $((t1 - t0)) s, total $((t2 - t0)) s)"
exit "$rc"
