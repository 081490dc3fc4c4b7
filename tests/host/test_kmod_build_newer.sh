#!/bin/sh
# The modules' version guards: both modules build warning-free (-Werror)
# against the newest non-6.1 kernel Debian 12 carries (6.12 today), whose
# xfrmdev_ops, GSO helpers, netdev flags and export namespaces differ
# from 6.1's, and against the newest Linux in Debian's archive (7.x
# today, from trixie-backports or sid: scripts/newer-kernel-source.sh),
# whose xfrmdev_ops pass the device, whose core leaves xso.real_dev to
# bonding and whose rtnl newlink takes packed parameters.  Built only.
# Each build is in a scratch copy so the 6.1 objects stay as they are.
top=$(cd "$(dirname "$0")/../.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fails=0

# fetch LABEL SCRIPT: the KDIR the script prints, timed
fetch() {
	t=$(date +%s)
	if ! kdir=$("$top/scripts/$2" 2>"$scratch/fetch-$1.log"); then
		tail -n 30 "$scratch/fetch-$1.log"
		echo "FAIL: could not fetch the $1 kernel ($2)"
		fails=$((fails + 1))
		return 1
	fi
	echo "$1: $kdir ready in $(($(date +%s) - t))s"
}

# build LABEL KDIR: both modules, -Werror (Kbuild), no warning at all
build() {
	rm -rf "$scratch/$1"
	mkdir "$scratch/$1"
	cp -r "$top/kmod" "$top/include" "$scratch/$1/"
	# not the tree's own 6.1 objects and modpost output
	make -s -C "$2" M="$scratch/$1/kmod" clean >/dev/null 2>&1
	t=$(date +%s)
	if ! make -C "$2" M="$scratch/$1/kmod" -j"$(nproc)" modules \
		>"$scratch/build-$1.log" 2>&1; then
		tail -n 30 "$scratch/build-$1.log"
		echo "FAIL: modules do not build against $1"
		fails=$((fails + 1))
		return
	fi
	echo "$1: built in $(($(date +%s) - t))s"
	for ko in mlx5_ipsec/ipsec_offload.ko ipsec_sim/ipsec_sim.ko; do
		v=$(modinfo -F vermagic "$scratch/$1/kmod/$ko" 2>/dev/null)
		case $v in
		6.1.0-*|"")
			echo "FAIL: $ko vermagic '$v'"
			fails=$((fails + 1)) ;;
		*) echo "ok: $ko built for $v" ;;
		esac
	done
	# modpost's too: every symbol checked against the kernel's exports
	if grep -E 'warning:|WARNING:' "$scratch/build-$1.log"; then
		echo "FAIL: warnings against $1"
		fails=$((fails + 1))
	fi
}

if fetch 6.12 newer-kernel-headers.sh; then
	build "$(basename "$kdir")" "$kdir"
fi
if fetch newest newer-kernel-source.sh; then
	build "linux-$(make -s -C "$kdir" kernelrelease)" "$kdir"
fi
exit $fails
