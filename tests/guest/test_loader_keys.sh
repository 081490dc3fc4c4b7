#!/bin/sh
# No key survives in the loader's memory (docs/security: key buffers are
# zeroed).  An SA dump and a NEWSA event carry every SA's key; the
# loader's netlink buffers must be zeroed once decoded.  keyscan.so
# (tests/tools/keyscan.c), preloaded, searches the whole writable memory
# of the process at exit for the keys.  As a control, the same scan of
# key_keeper, which keeps the key it reads, must find it: the scan can
# fail.
. /opt/ipso/tests/guest/lib.sh
use_test_bins keyscan.so key_keeper
LD=$IPSO/loader/ipsec-offload
[ -x "$LD" ] || skip "loader/ipsec-offload not built"
load_stock_modules
ns_pair_veth
KS=$IPSO/tests/bin/keyscan.so

K1=0x0102030405060708090a0b0c0d0e0f1011121314
K2=0x5152535455565758595a5b5c5d5e5f6061626364
sa() {	# SRC DST SPI KEY
	ip -n ns1 xfrm state add src $1 dst $2 proto esp spi $3 reqid 1 \
		mode transport aead 'rfc4106(gcm(aes))' $4 128
}
# scanned OUT KEYS COMMAND...: run COMMAND in ns1 with the scan
scanned() {
	local out=$1 keys=$2
	shift 2
	rm -f "$out"
	LD_PRELOAD=$KS IPSO_KEYSCAN=$keys IPSO_KEYSCAN_OUT=$out $NS1 "$@"
}
copies() { sed -n 's/^keyscan: \([0-9]*\) copies$/\1/p' "$1" | tail -n 1; }

check "SA with key K1" sa 10.0.0.1 10.0.0.2 0x1001 $K1
printf "$(echo ${K1#0x} | sed 's/../\\x&/g')" >/run/k1.bin
scanned /run/ks_keep "$K1" "$IPSO/tests/bin/key_keeper" </run/k1.bin
echo "  control, key_keeper: $(copies /run/ks_keep) copies of K1"
check "control: the scan finds the K1 key_keeper keeps" [ "$(copies /run/ks_keep)" -ge 1 ]

scanned /run/ks_sync "$K1" "$LD" sync >/dev/null
echo "  ipsec-offload sync: $(copies /run/ks_sync) copies of K1"
check "sync (an SA dump): no copy of K1 left" [ "$(copies /run/ks_sync)" = 0 ]

scanned /run/ks_show "$K1" "$LD" -j show sa >/dev/null
check "show sa: no copy of K1 left" [ "$(copies /run/ks_show)" = 0 ]

rm -f /run/ks_daemon
LD_PRELOAD=$KS IPSO_KEYSCAN="$K1,$K2" IPSO_KEYSCAN_OUT=/run/ks_daemon \
	$NS1 "$LD" daemon >/run/daemon.out 2>&1 &
d=$!
check "daemon ready" wait_for grep -q 'daemon ready' /run/daemon.out
check "SA with key K2 while the daemon runs (a NEWSA event)" \
	sa 10.0.0.2 10.0.0.1 0x2002 $K2
check "the daemon mirrored it" wait_for sh -c \
	"$NS1 $LD -j show sa | grep -q '\"spi\":\"0x00002002\"'"
kill -TERM $d
wait $d
echo "  daemon: $(copies /run/ks_daemon) copies of K1 and K2"
check "daemon: no copy of K1 or K2 left" [ "$(copies /run/ks_daemon)" = 0 ]

ip netns del ns1
ip netns del ns2
finish
