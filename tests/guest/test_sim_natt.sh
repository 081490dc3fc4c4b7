#!/bin/sh
# Simulated NIC with NAT-T (ESP in UDP, RFC 3948) against stock kernel
# IPsec (docs/sim-nic.md): transport and tunnel SAs with `encap espinudp
# 4500 4500`, offloaded on sim0; ns2 holds an ESP-in-UDP socket on 4500
# like an IKE daemon.  Traffic both ways; the wire shows only UDP-encap
# ESP with the expected SPIs; counters equal the peer's.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
offload_require_modules
use_test_bins ipso_genl natt_sock
load_stock_modules
# ESP GSO (esp4/6_offload) makes the software peer count one packet per
# GSO skb; the counter comparison below needs per-packet counting.
rmmod esp4_offload esp6_offload 2>/dev/null
check "bridge and simulated NIC modules" offload_modules
D=$SIM_DEBUGFS/devices
ns_pair_sim ipv4-only
sim_inner_hosts

E="encap espinudp 4500 4500 0.0.0.0"
check "transport NAT-T SAs" xfrm_pair transport 10.0.0.1 10.0.0.2 0x1001 0x2002 1 $K12 $K21 \
	-- replay-window 32 $E
check "tunnel NAT-T SAs" xfrm_pair tunnel 10.0.0.1 10.0.0.2 0x5005 0x6006 5 $K12 $K21 \
	192.168.1.0/24 192.168.2.0/24 -- replay-window 32 $E
# The peer's kernel decapsulates ESP in UDP only on an encap socket
# (with per-socket bypass policies, as IKE daemons set them).
$NS2 natt_sock 4500 90 >/run/natt.out 2>&1 &
NATT=$!

check "the bridge lists sim0 (backend sim)" wait_for bridge_lists sim0 sim
offload_on_sim0 "4 10.0.0.2 0x1001 out" "4 10.0.0.1 0x2002 in" \
	"4 10.0.0.2 0x5005 out" "4 10.0.0.1 0x6006 in"
wait_bridge_offloaded 4
n=$(grep -c 'natt 1' $D)
[ "$n" -eq 4 ] && ok "NIC holds 4 NAT-T SAs" || bad "NIC holds $n NAT-T SAs"
check "encap socket ready in ns2" grep -q ready /run/natt.out

capture_start "$NS2" sim1 /run/in.pcap '' in
capture_start "$NS2" sim1 /run/out.pcap '' out
capture_ready
check "ping ns1 -> ns2 transport" $NS1 ping -c 2 -W 3 10.0.0.2
check "ping ns2 -> ns1 transport" $NS2 ping -c 2 -W 3 10.0.0.1
check "ping ns1 -> ns2 tunnel" $NS1 ping -c 2 -W 3 192.168.2.1
check "ping ns2 -> ns1 tunnel" $NS2 ping -c 2 -W 3 192.168.1.1
check "TCP 1 MB ns1 -> ns2 transport" tcp_transfer "$NS1" "$NS2" 10.0.0.2 1000000
capture_stop
$NS2 cat /proc/net/xfrm_stat | awk '$2 != 0 { print "  ns2 xfrm_stat: " $0 }'
capture_text /run/in.pcap >/run/in.txt
capture_text /run/out.pcap >/run/out.txt
sed -n '1,4s/^/  wire: /p' /run/in.txt
expect_spis /run/in.txt "wire from sim0" "UDP-encap ESP" 1001 5005
expect_spis /run/out.txt "wire from sim1" "UDP-encap ESP" 2002 6006
grep 'IP 10\.0\.0\.1' /run/in.txt | grep -v 'UDP-encap: ESP' | grep -vE 'ARP' >/run/plain.txt
[ -s /run/plain.txt ] && { bad "non-encapsulated IPv4 from sim0"; head -n 3 /run/plain.txt; } ||
	ok "everything sim0 sent from 10.0.0.1 was UDP-encap ESP"

check "counters 0x1001 equal the peer's" sim_counters_match_peer 10.0.0.1 10.0.0.2 1001
check "counters 0x2002 equal the peer's" sim_counters_match_peer 10.0.0.2 10.0.0.1 2002
check "counters 0x5005 equal the peer's" sim_counters_match_peer 10.0.0.1 10.0.0.2 5005
check "counters 0x6006 equal the peer's" sim_counters_match_peer 10.0.0.2 10.0.0.1 6006

kill $NATT 2>/dev/null
wait $NATT 2>/dev/null
offload_teardown
finish
