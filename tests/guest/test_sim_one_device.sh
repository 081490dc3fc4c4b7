#!/bin/sh
# An outbound SA lives on one device at a time, and software never numbers
# its packets from a stale counter (docs/kmod.md, "Sequence numbers across
# the hand-overs").  One SA is offered on two simulated NICs, sim0 and
# sim2, both leading to ns2; the second is refused.  Under a paced stream
# the route then moves from sim0 to sim2, where software sends, and back:
# no (SPI, seq) pair, and so no AES-GCM nonce, appears twice across the
# two wires, the peer counts no replay, and nothing is lost.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
offload_require_modules
use_test_bins ipso_genl netprobe
load_stock_modules
check "bridge and simulated NIC modules" offload_modules poll_ms=60000
check "sim pair ns1:sim0 <-> ns2:sim1" ns_pair_sim ipv4-only
check "second pair ns1:sim2 <-> ns2:sim3" ns_second_sim_pair
# ns2 takes the peer's packets on whichever link they arrive
for c in all default sim1 sim3; do
	$NS2 sh -c "echo 0 >/proc/sys/net/ipv4/conf/$c/rp_filter"
done
check "the bridge lists sim0 and sim2" wait_for sh -c \
	"$NS1 ipso_genl devices | grep -q name=sim0 && $NS1 ipso_genl devices | grep -q name=sim2"

K=0x0102030405060708090a0b0c0d0e0f1011121314
check "SA 0x1001 and UDP policies ns1 -> ns2" \
	xfrm_udp_one_way ns1 ns2 10.0.0.1 10.0.0.2 0x1001 1 $K
check "offload on sim0" $NS1 ipso_genl offload 4 10.0.0.2 0x1001 sim0 out
check "OFFLOADED on sim0" wait_bridge_offloaded 1
$NS1 ipso_genl offload 4 10.0.0.2 0x1001 sim2 out >/dev/null 2>&1
check "sim2's request settles" wait_for sh -c \
	"$NS1 ipso_genl dump | grep 'dev=sim2' | grep -q state=rejected"
line=$($NS1 ipso_genl dump | grep 'dev=sim2')
echo "  $line"
case $line in
*reason=-16*"another device"*) ok "sim2: REJECTED, -EBUSY, saying why" ;;
*) bad "sim2: not refused as held by another device" ;;
esac

capture_start "$NS2" sim1 /run/a.pcap esp in
capture_start "$NS2" sim3 /run/b.pcap esp in
capture_ready
$NS2 netprobe udp-count 5000 3 >/run/stream.out & r=$!
check "the receiver is bound" udp_wait_bound ns2 5000
$NS1 netprobe udp-pace 10.0.0.2 5000 300 10 >/dev/null & s=$!
sleep 1.5
check "the route to the peer moves to sim2" \
	ip -n ns1 route add 10.0.0.2/32 dev sim2 src 10.0.0.1
wait $s
wait $r
capture_stop
sed 's/^/  stream: /' /run/stream.out
capture_text /run/a.pcap | grep -o 'seq=0x[0-9a-f]*' >/run/a.seq
capture_text /run/b.pcap | grep -o 'seq=0x[0-9a-f]*' >/run/b.seq
echo "  ESP on sim0's wire: $(wc -l </run/a.seq), on sim2's: $(wc -l </run/b.seq)"
check "the NIC carried part of the stream on sim0" [ "$(wc -l </run/a.seq)" -ge 20 ]
check "software carried the rest on sim2" [ "$(wc -l </run/b.seq)" -ge 20 ]
dups=$(cat /run/a.seq /run/b.seq | sort | uniq -d | wc -l)
check "no (SPI, seq) pair twice across the two wires ($dups)" [ "$dups" -eq 0 ]
check "the peer counts no replay" [ "$(xfrm_replays ns2)" -eq 0 ]
check "every datagram delivered" grep -q "received 300 lost 0 " /run/stream.out
check "the offload on sim0 stays" sh -c \
	"$NS1 ipso_genl dump | grep 'dev=sim0' | grep -q state=offloaded"
# Back to sim0: the NIC goes on above every number software used.
capture_start "$NS2" sim1 /run/c.pcap esp in
capture_ready
check "the route moves back to sim0" ip -n ns1 route del 10.0.0.2/32 dev sim2
$NS1 netprobe udp-send 10.0.0.2 5000 back 20 >/dev/null 2>&1
capture_stop
capture_text /run/c.pcap | grep -o 'seq=0x[0-9a-f]*' >/run/c.seq
check "the NIC carried the flow again" [ "$(wc -l </run/c.seq)" -ge 20 ]
dups=$(cat /run/a.seq /run/b.seq /run/c.seq | sort | uniq -d | wc -l)
check "still no (SPI, seq) pair twice ($dups)" [ "$dups" -eq 0 ]
check "the peer still counts no replay" [ "$(xfrm_replays ns2)" -eq 0 ]

offload_teardown
finish
