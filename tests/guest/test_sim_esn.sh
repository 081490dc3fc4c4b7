#!/bin/sh
# Simulated NIC with extended sequence numbers against stock kernel ESN
# (docs/sim-nic.md).  Both SAs start 16 packets below 2^32, so the
# traffic crosses into the high word: the NIC must put seq_hi into the
# AAD on transmit (RFC 4106 §5) and infer it on receive (RFC 4303 A2.2),
# and it must continue the kernel's sequence numbers, not restart at 1.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
offload_require_modules
use_test_bins ipso_genl
load_stock_modules
check "bridge and simulated NIC modules" offload_modules
D=$SIM_DEBUGFS/devices
ns_pair_sim ipv4-only

check "ESN SAs 0x1001 and 0x2002 in ns1 and ns2" \
	xfrm_pair transport 10.0.0.1 10.0.0.2 0x1001 0x2002 1 $K12 $K21 \
	-- replay-window 64 flag esn replay-oseq 0xfffffff0 replay-seq 0xffffffe0

check "the bridge lists sim0 (backend sim)" wait_for bridge_lists sim0 sim
offload_on_sim0 "4 10.0.0.2 0x1001 out" "4 10.0.0.1 0x2002 in"
wait_bridge_offloaded 2
check "NIC took both ESN SAs" sh -c "grep -c 'esn 1' $D | grep -qx 2"

udp() {	# FROM TO ADDR PORT TAG
	$2 netprobe udp-recv $4 10 40 >/run/udp.$4 2>&1 &
	r=$!
	sleep 0.3
	$1 netprobe udp-send $3 $4 $5 40 >/dev/null 2>&1
	wait $r
	n=$(grep -c $5 /run/udp.$4)
	echo "  $5: $n of 40 datagrams"
	[ "$n" -eq 40 ]
}
check "40 datagrams ns1 -> ns2 across 2^32 (NIC encrypts)" udp "$NS1" "$NS2" 10.0.0.2 5000 esn-out
check "40 datagrams ns2 -> ns1 across 2^32 (NIC decrypts)" udp "$NS2" "$NS1" 10.0.0.1 5001 esn-in
sed -n 's/^sa .*spi 0x0000\(1001\|2002\)/  &/p' $D
check "TX sequence continued the kernel's and passed 2^32" \
	[ "$(sim_sa_field 1001 oseq)" -gt 4294967296 ]
check "RX window top passed 2^32" [ "$(sim_sa_field 2002 rx_top)" -gt 4294967296 ]
check "no ICV failures, no replay drops" \
	[ "$(sim_sa_field 2002 auth_fail)$(sim_sa_field 2002 replay_drop)" = 00 ]
peer=$(ip -n ns2 -s xfrm state get src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1001)
echo "$peer" | grep -i 'esn\|seq' | sed 's/^/  peer: /'
check "peer's ESN context moved to seq-hi 1" sh -c "echo '$peer' | grep -q 'seq-hi 0x1'"

offload_teardown
finish
