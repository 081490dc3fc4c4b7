#!/bin/sh
# The loader's maps are per network namespace (docs/kmod.md, "BPF maps"):
# SET_MAPS from one namespace neither cuts another namespace's daemon off
# nor copies its offloads (daddr, SPI, ifindex) into the new maps.  Two
# namespaces, each with its own simulated NIC, SA and pinned maps; both
# SAs even have the same addresses and SPI.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
offload_require_modules
use_test_bins ipso_genl
load_stock_modules
check "bridge and simulated NIC modules" offload_modules
check "pair A: ns1:sim0 <-> ns2:sim1" ns_pair_sim ipv4-only
NS3="nsenter --net=/run/netns/ns3"
pair_b() {
	ip netns add ns3 && ip netns add ns4 &&
	ip link add sim2 type ipsecsim && sleep 0.3 &&
	ip link set sim2 netns ns3 && ip link set sim2p netns ns4 &&
	ip -n ns4 link set sim2p name sim3 &&
	ip -n ns3 addr add 10.0.0.1/24 dev sim2 &&
	ip -n ns4 addr add 10.0.0.2/24 dev sim3 &&
	ip -n ns3 link set sim2 up && ip -n ns4 link set sim3 up
}
check "pair B: ns3:sim2 <-> ns4:sim3" pair_b
check "the bridge lists sim0 in ns1" wait_for bridge_lists sim0
check "the bridge lists sim2 in ns3" wait_for sh -c "$NS3 ipso_genl devices | grep -q name=sim2"
check "ns1 does not see sim2" sh -c "! $NS1 ipso_genl devices | grep -q name=sim2"

K=0x0102030405060708090a0b0c0d0e0f1011121314
for n in ns1 ns3; do
	check "SA 0x1001 in $n" xfrm_sa $n 10.0.0.1 10.0.0.2 0x1001 1 transport $K
done
mkdir -p /sys/fs/bpf/A /sys/fs/bpf/B
entries() { bpftool -j map dump pinned /sys/fs/bpf/$1/ipso_offload | grep -o '"key"' | wc -l; }
settled() { ! $1 ipso_genl dump | grep -q 'state=pending'; }

check "ns1: SET_MAPS into A" $NS1 ipso_genl setmaps good /sys/fs/bpf/A
check "ns1: offload 0x1001 on sim0" $NS1 ipso_genl offload 4 10.0.0.2 0x1001 sim0 out
check "ns1: OFFLOADED" wait_bridge_offloaded 1
check "A holds ns1's offload" [ "$(entries A)" -eq 1 ]

check "ns3: SET_MAPS into B" $NS3 ipso_genl setmaps good /sys/fs/bpf/B
wait_for settled "$NS3"
sleep 0.5	# the resync runs on the bridge's workqueue
check "B holds nothing of ns1's ($(entries B))" [ "$(entries B)" -eq 0 ]
check "ns3: offload 0x1001 on sim2" $NS3 ipso_genl offload 4 10.0.0.2 0x1001 sim2 out
check "ns3: OFFLOADED" wait_for sh -c "$NS3 ipso_genl dump | grep -q state=offloaded"
check "B holds ns3's offload only" [ "$(entries B)" -eq 1 ]
check "A still holds ns1's only" [ "$(entries A)" -eq 1 ]
check "ns1's dump shows only sim0" sh -c "$NS1 ipso_genl dump | grep -c state= | grep -qx 1"

check "ns1: withdraw (A's daemon is still served)" \
	$NS1 ipso_genl withdraw 4 10.0.0.2 0x1001 sim0
a_empty() { [ "$(entries A)" -eq 0 ]; }
check "A is empty again" wait_for a_empty
check "B still holds ns3's" [ "$(entries B)" -eq 1 ]

for n in ns1 ns2 ns3 ns4; do ip netns del $n; done
rm -rf /sys/fs/bpf/A /sys/fs/bpf/B
sleep 0.5
check "rmmod simulated NIC" rmmod ipsec_sim
check "rmmod bridge" rmmod ipsec_offload
finish
