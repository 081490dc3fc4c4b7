#!/bin/sh
# Output sequence numbers across the hand-overs between software ESP and
# the simulated NIC, under a paced stream (one datagram every 10 ms).
#
# Software sends on the SA before and while it is being offloaded (the
# NIC's sa_add takes 600 ms to complete after it read the state's
# counter: a slow completion), then the NIC sends, then the offload is
# withdrawn before any counter poll and software sends again.  A number
# used twice is an AES-GCM nonce used twice, and the peer drops the
# second packet as a replay: the peer must count no replay and receive
# every datagram.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
use_test_bins ipso_genl
# no counter poll during the test: the hand-back must not depend on one
sim_test_start poll_ms=60000
DBG=$SIM_DEBUGFS

K=0x0102030405060708090a0b0c0d0e0f1011121314
check "SA 0x1001 and UDP policies ns1 -> ns2" \
	xfrm_udp_one_way ns1 ns2 10.0.0.1 10.0.0.2 0x1001 1 $K

echo 600 >$DBG/add_settle_ms
tx0=$(sim_stat tx_encrypted)
$NS2 netprobe udp-count 5000 3 >/run/stream.out &
r=$!
check "the receiver is bound" udp_wait_bound ns2 5000
$NS1 netprobe udp-pace 10.0.0.2 5000 250 10 >/dev/null &
s=$!
sleep 0.4
check "offload request (software keeps sending meanwhile)" \
	$NS1 ipso_genl offload 4 10.0.0.2 0x1001 sim0 out
check "SA OFFLOADED" wait_bridge_offloaded 1
sleep 0.5
tx1=$(sim_stat tx_encrypted)
check "withdraw before any counter poll" \
	$NS1 ipso_genl withdraw 4 10.0.0.2 0x1001 sim0
wait $s
wait $r
echo 0 >$DBG/add_settle_ms
sed 's/^/  stream: /' /run/stream.out
echo "  NIC encrypted $((tx1 - tx0)) of them; peer replay drops $(xfrm_replays ns2)"
check "the NIC carried part of the stream" [ $((tx1 - tx0)) -ge 10 ]
check "no sequence number reused (peer replay drops 0)" [ "$(xfrm_replays ns2)" -eq 0 ]
check "all 250 datagrams, none lost" grep -q "received 250 lost 0 " /run/stream.out
ip -n ns1 xfrm state | grep -o 'oseq 0x[0-9a-f]*' | sed 's/^/  ns1 after the hand-back: /'

offload_teardown
finish
