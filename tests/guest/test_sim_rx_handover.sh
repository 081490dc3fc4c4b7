#!/bin/sh
# An inbound SA moves from software to the simulated NIC and back under a
# paced stream (one datagram every 10 ms from the peer).
#
# The NIC holds the SA 600 ms before the bridge makes its handle live (a
# slow sa_add completion), and the offload is withdrawn before the SA is
# deleted.  While the handle is not live the NIC must leave the ESP to the
# kernel (rx_not_live) rather than decrypt what it may not deliver; the
# replay window moves with the owner.  Every datagram must arrive.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
use_test_bins ipso_genl
sim_test_start poll_ms=60000
DBG=$SIM_DEBUGFS

K=0x2122232425262728292a2b2c2d2e2f3031323334
check "SA 0x2002 and UDP policies ns2 -> ns1" \
	xfrm_udp_one_way ns2 ns1 10.0.0.2 10.0.0.1 0x2002 2 $K

echo 600 >$DBG/add_settle_ms
dec0=$(sim_stat rx_decrypted)
nl0=$(sim_stat rx_not_live)
err0=$(sim_stat rx_drop_error)
$NS1 netprobe udp-count 5000 3 >/run/stream.out &
r=$!
check "the receiver is bound" udp_wait_bound ns1 5000
$NS2 netprobe udp-pace 10.0.0.1 5000 250 10 >/dev/null &
s=$!
sleep 0.4
check "offload the inbound SA (software keeps receiving)" \
	$NS1 ipso_genl offload 4 10.0.0.1 0x2002 sim0 in
check "SA OFFLOADED" wait_bridge_offloaded 1
sleep 0.5
check "withdraw during the stream" \
	$NS1 ipso_genl withdraw 4 10.0.0.1 0x2002 sim0
wait $s
wait $r
echo 0 >$DBG/add_settle_ms
sed 's/^/  stream: /' /run/stream.out
dec=$(($(sim_stat rx_decrypted) - dec0))
nl=$(($(sim_stat rx_not_live) - nl0))
err=$(($(sim_stat rx_drop_error) - err0))
echo "  NIC decrypted $dec, left $nl to software while not live, dropped $err"
check "the NIC decrypted part of the stream" [ "$dec" -ge 10 ]
check "ESP of the not yet live SA went to software" [ "$nl" -ge 10 ]
check "nothing dropped by the NIC" [ "$err" -eq 0 ]
check "all 250 datagrams, none lost" grep -q "received 250 lost 0 " /run/stream.out
rep=$(xfrm_replays ns1)
check "no replay drops in software ($rep)" [ "$rep" -eq 0 ]

offload_teardown
finish
