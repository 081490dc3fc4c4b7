#!/bin/sh
# The bridge module's genetlink control without an offload-capable NIC:
# every refusal names its cause with the right errno (no such SA, no such
# device, no driver, bad direction/protocol), unprivileged callers get
# EPERM, attribute validation is strict, SET_MAPS checks the maps it is
# handed, dumps are empty, and nothing leaks or warns.
. /opt/ipso/tests/guest/lib.sh
KO=$IPSO/kmod/mlx5_ipsec/ipsec_offload.ko
[ -f "$KO" ] || skip "ipsec_offload.ko not built"
load_stock_modules
PATH=$IPSO/bin:$PATH
SETPRIV=/usr/bin/setpriv	# util-linux, not the busybox applet
ns_pair_veth
K=0x0102030405060708090a0b0c0d0e0f1011121314
ip -n ns1 xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1001 \
	reqid 1 mode transport aead 'rfc4106(gcm(aes))' $K 128
ip -n ns1 xfrm state add src fd00::1 dst fd00::2 proto esp spi 0x3001 \
	reqid 3 mode transport aead 'rfc4106(gcm(aes))' $K 128
check "insmod" insmod "$KO"

# expect NAME ERRNO MESSAGE-FRAGMENT -- COMMAND...
expect() {
	name=$1 want=$2 msg=$3
	shift 4
	"$@" >/run/genl.out 2>&1
	rc=$?
	if [ $rc -eq "$want" ] && { [ -z "$msg" ] || grep -q "$msg" /run/genl.out; }; then
		ok "$name: rc=$rc, $(grep kernel: /run/genl.out | head -1)"
	else
		bad "$name: rc=$rc (want $want, '$msg'): $(tr '\n' '|' </run/genl.out)"
	fi
}
expect "unknown SPI" 2 "no SA with this daddr" -- \
	$NS1 ipso_genl offload 4 10.0.0.2 0x9999 veth1 out
expect "SA of another netns" 2 "no SA with this daddr" -- \
	$NS2 ipso_genl offload 4 10.0.0.2 0x1001 veth2 out
expect "no such ifindex" 19 "no such device" -- \
	$NS1 ipso_genl offload 4 10.0.0.2 0x1001 4242 out
expect "veth has no offload driver (IPv4)" 95 "no inline IPsec offload driver" -- \
	$NS1 ipso_genl offload 4 10.0.0.2 0x1001 veth1 out
expect "veth has no offload driver (IPv6)" 95 "no inline IPsec offload driver" -- \
	$NS1 ipso_genl offload 6 fd00::2 0x3001 veth1 in
expect "direction unknown refused" 22 "direction must be in or out" -- \
	$NS1 ipso_genl offload 4 10.0.0.2 0x1001 veth1 unknown
expect "direction fwd refused" 22 "direction must be in or out" -- \
	$NS1 ipso_genl offload 4 10.0.0.2 0x1001 veth1 fwd
expect "AH refused" 93 "only ESP" -- \
	$NS1 ipso_genl offload 4 10.0.0.2 0x1001 veth1 out 51
expect "output-only attribute refused (strict policy)" 22 "error" -- \
	ipso_genl strict
expect "withdraw of nothing" 2 "not offloaded on this device" -- \
	$NS1 ipso_genl withdraw 4 10.0.0.2 0x1001 veth1
expect "unprivileged GET_CONFIG" 1 "Operation not permitted" -- \
	$SETPRIV --reuid=65534 --regid=65534 --clear-groups ipso_genl config
expect "unprivileged OFFLOAD_SA" 1 "Operation not permitted" -- \
	$NS1 $SETPRIV --reuid=65534 --regid=65534 --clear-groups \
	ipso_genl offload 4 10.0.0.2 0x1001 veth1 out
expect "root without CAP_NET_ADMIN" 1 "Operation not permitted" -- \
	$SETPRIV --inh-caps=-net_admin --bounding-set=-net_admin ipso_genl dump
expect "unprivileged events listener" 1 "" -- \
	$SETPRIV --reuid=65534 --regid=65534 --clear-groups ipso_genl listen 1
expect "events listener without CAP_NET_ADMIN" 1 "" -- \
	$SETPRIV --inh-caps=-net_admin --bounding-set=-net_admin ipso_genl listen 1
expect "root events listener" 0 "listening" -- ipso_genl listen 1
expect "SET_MAPS with maps.h layouts" 0 "" -- ipso_genl setmaps good
expect "SET_MAPS again (replaces)" 0 "" -- ipso_genl setmaps good
expect "SET_MAPS wrong value size" 22 "key/value size" -- ipso_genl setmaps badsize
expect "SET_MAPS wrong map type" 22 "wrong type" -- ipso_genl setmaps badtype
expect "SET_MAPS fd that is no map" 22 "not a BPF map" -- ipso_genl setmaps notamap
expect "SET_MAPS read-only map fd" 22 "not writable" -- ipso_genl setmaps rdonly
expect "SET_MAPS frozen map" 22 "frozen" -- ipso_genl setmaps frozen
expect "SET_MAPS map of another name" 22 "name differs" -- ipso_genl setmaps badname

n=$($NS1 ipso_genl dump | wc -l)
[ "$n" -eq 0 ] && ok "GET_OFFLOAD dump is empty" || bad "GET_OFFLOAD dump has $n lines"
n=$(ipso_genl devices | wc -l)
[ "$n" -eq 0 ] && ok "GET_DEVICES dump is empty (no driver)" || bad "GET_DEVICES has $n lines"
check "rmmod with maps held" rmmod ipsec_offload
finish
