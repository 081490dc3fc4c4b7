#!/bin/sh
# SAs that carry an XFRM mark (route-based set-ups select them by mark):
# the daemon finds and offloads them by their mark value, the NIC carries
# marked traffic, and SIGTERM withdraws them again.  The module looks an
# SA up by (mark, daddr, SPI, proto): without the mark it cannot find
# these at all.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
offload_require
use_test_bins ipso_genl mark_udp netprobe
load_stock_modules
check "bridge (poll 100 ms) and simulated NIC modules" offload_modules poll_ms=100
check "sim pair ns1:sim0 <-> ns2:sim1" ns_pair_sim ipv4-only

M="mark 0x10 mask 0xff"
# the peer receives with skb->mark 0: its copy of the SA has no mark
check "marked SA 0x1001 in ns1" xfrm_sa ns1 10.0.0.1 10.0.0.2 \
	0x1001 1 transport $K12 replay-window 32 $M
check "SA 0x1001 in ns2" xfrm_sa ns2 10.0.0.1 10.0.0.2 \
	0x1001 1 transport $K12 replay-window 32
t="tmpl src 10.0.0.1 dst 10.0.0.2 proto esp reqid 1 mode transport"
marked_policies() {
	ip -n ns1 xfrm policy add src 10.0.0.1 dst 10.0.0.2 proto udp \
		dir out $M $t &&
	ip -n ns2 xfrm policy add src 10.0.0.1 dst 10.0.0.2 proto udp \
		dir in $t
}
check "marked policy in ns1, plain one in ns2" marked_policies
check "attach sim0" loader attach sim0
check "daemon up" daemon_start
check "the marked SA is OFFLOADED" wait_offloaded 1
loader show offload | sed 's/^/  /'
check "the module holds it" wait_for sh -c \
	"$NS1 ipso_genl dump | grep -q 'spi=0x00001001.*state=offloaded'"

# marked datagrams take the marked policy and SA, and the NIC
tx0=$(sim_stat tx_encrypted)
$NS2 netprobe udp-recv 5000 10 5 >/run/mark.out 2>&1 &
r=$!
sleep 0.3
for i in 1 2 3 4 5; do $NS1 mark_udp 10.0.0.2 5000 0x10 marked-$i; done
wait $r
n=$(grep -c marked- /run/mark.out)
tx=$(($(sim_stat tx_encrypted) - tx0))
echo "  received $n of 5; the NIC encrypted $tx"
check "5 marked datagrams delivered" [ "$n" -eq 5 ]
check "the NIC encrypted them" [ "$tx" -ge 5 ]

check "daemon stops on SIGTERM" daemon_stop
module_holds_none() { ! $NS1 ipso_genl dump | grep -q 'spi=0x00001001'; }
# the module tears down on its workqueue after the withdraw
check "the module holds no offload after the stop" wait_for module_holds_none
$NS1 ipso_genl dump | sed 's/^/  module: /'
tail -n 3 /run/daemon.err | sed 's/^/  daemon: /'

offload_teardown
finish
