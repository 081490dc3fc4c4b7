#!/bin/sh
# The tc egress program with the kernel's own crypto-mode offload
# (`ip xfrm state ... offload dev sim0 dir out`, the simulated NIC created
# with crypto_mode=1): the packet reaching tc egress is already ESP and
# carries its state in the secpath; the device encrypts in place.  It
# must pass untouched (TX_PASS_ESP) -- before, it was dropped as an SA
# unknown to the mirror, or as outbound and not offloaded here.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
[ -f "$BRIDGE_KO" ] || skip "ipsec_offload.ko not built"
[ -f "$SIM_KO" ] || skip "ipsec_sim.ko not built"
/sbin/modinfo -p "$SIM_KO" | grep -q '^crypto_mode' ||
	skip "ipsec_sim has no crypto mode"
B=$IPSO/bpf
[ -e $B/ipso_tc.bpf.o ] || skip "bpf objects not built"
MT=$IPSO/tests/bin/mirror_tool
[ -x $MT ] || skip "tests/bin/mirror_tool not built"
load_stock_modules
modprobe esp4_offload || bad "modprobe esp4_offload"
modprobe esp6_offload || bad "modprobe esp6_offload"
grep -q " /sys/fs/bpf " /proc/mounts || mount -t bpf bpf /sys/fs/bpf
PIN=/sys/fs/bpf/tc/globals

check "insmod bridge" insmod "$BRIDGE_KO"
check "insmod simulated NIC in crypto mode" insmod "$SIM_KO" crypto_mode=1
check "crypto-mode pair ns1:sim0 <-> ns2:sim1" ns_pair_sim

K=0x0102030405060708090a0b0c0d0e0f1011121314
sa() {	# SRC DST SPI: out SA offloaded on sim0 in ns1, plain in ns2
	ip -n ns1 xfrm state add src $1 dst $2 proto esp spi $3 reqid 5 \
		mode transport aead 'rfc4106(gcm(aes))' $K 128 \
		offload dev sim0 dir out &&
	ip -n ns2 xfrm state add src $1 dst $2 proto esp spi $3 reqid 5 \
		mode transport aead 'rfc4106(gcm(aes))' $K 128 &&
	ip -n ns1 xfrm policy add src $1 dst $2 dir out \
		tmpl src $1 dst $2 proto esp reqid 5 mode transport &&
	ip -n ns2 xfrm policy add src $1 dst $2 dir in \
		tmpl src $1 dst $2 proto esp reqid 5 mode transport
}
check "IPv4 SA with offload dev sim0" sa 10.0.0.1 10.0.0.2 0x5005
check "IPv6 SA with offload dev sim0" sa fd00::1 fd00::2 0x6006
ip -n ns1 xfrm state | grep -q 'crypto offload parameters: dev sim0' ||
	skip "the kernel did not bind the SA to sim0 (crypto mode unusable)"
check "ping through the crypto-offloaded SA, no program yet" \
	$NS1 ping -c 1 -W 3 10.0.0.2

check "tc egress program on sim0" sh -c "
	$NS1 /usr/sbin/tc qdisc add dev sim0 clsact &&
	$NS1 /usr/sbin/tc filter add dev sim0 egress bpf da \
		obj $B/ipso_tc.bpf.o sec tc"

stat() {	# enum ipso_stat index -> sum over CPUs
	bpftool -j map lookup pinned $PIN/ipso_stats key $1 0 0 0 |
		grep -o '"value":[0-9]*' | cut -d: -f2 |
		awk '{s += $1} END {print s + 0}'
}
drops() { echo $(($(stat 2) + $(stat 3) + $(stat 4))); }
expect_pass() {	# WHAT ADDR
	local e0 d0 e1 d1 rc
	e0=$(stat 19)	# IPSO_STAT_TX_PASS_ESP
	d0=$(drops)	# TX_DROP_NOT_OFFLOADED, TX_DROP_UNKNOWN_SA, TX_MALFORMED
	$NS1 ping -c 3 -W 3 $2 >/dev/null 2>&1
	rc=$?
	e1=$(stat 19)
	d1=$(drops)
	if [ $rc -eq 0 ] && [ "$e1" -ge $((e0 + 3)) ] && [ "$d1" -eq "$d0" ]; then
		ok "$1 (tx_pass_esp $e0 -> $e1, drops $d0 -> $d1)"
	else
		bad "$1 (ping rc $rc, tx_pass_esp $e0 -> $e1, drops $d0 -> $d1)"
	fi
}
expect_pass "SA unknown to the mirror: ESP passes untouched" 10.0.0.2
expect_pass "IPv6: ESP passes untouched" fd00::2
check "mirror the SA as outbound (not offloaded by the bridge)" \
	$MT sa 10.0.0.1 10.0.0.2 0x5005 5 transport out
expect_pass "SA known outbound, not offloaded here: ESP passes untouched" \
	10.0.0.2
tx=$(awk '$1 == "tx_encrypted" { print $2 }' \
	/sys/kernel/debug/ipsec_sim/devices 2>/dev/null)
echo "  sim tx_encrypted: ${tx:-?}"

$NS1 /usr/sbin/tc qdisc del dev sim0 clsact
rm -f $PIN/ipso_*
offload_teardown
finish
