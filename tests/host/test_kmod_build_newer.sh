#!/bin/sh
# The modules' version guards: both modules build warning-free (-Werror)
# against the newest non-6.1 kernel Debian 12 carries (6.12 today), whose
# xfrmdev_ops, GSO helpers, netdev flags and export namespaces differ
# from 6.1's.  Built in a scratch copy so the 6.1 objects stay as they are.
top=$(cd "$(dirname "$0")/../.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
kdir=$("$top/scripts/newer-kernel-headers.sh" 2>"$scratch/fetch.log") || {
	tail -n 30 "$scratch/fetch.log"
	echo "FAIL: could not fetch newer kernel headers"
	exit 1
}
cp -r "$top/kmod" "$top/include" "$scratch/"
make -s -C "$kdir" M="$scratch/kmod" clean >/dev/null 2>&1
echo "building against $(basename "$kdir")"
if ! make -C "$kdir" M="$scratch/kmod" modules >"$scratch/build.log" 2>&1; then
	tail -n 30 "$scratch/build.log"
	echo "FAIL: modules do not build against $(basename "$kdir")"
	exit 1
fi
fails=0
for ko in mlx5_ipsec/ipsec_offload.ko ipsec_sim/ipsec_sim.ko; do
	v=$(modinfo -F vermagic "$scratch/kmod/$ko" 2>/dev/null)
	case $v in
	6.1.0-*|"") echo "FAIL: $ko vermagic '$v'"; fails=$((fails + 1)) ;;
	*) echo "ok: $ko built for $v" ;;
	esac
done
if grep -q 'warning:' "$scratch/build.log"; then
	echo "FAIL: warnings"; fails=$((fails + 1))
fi
exit $fails
