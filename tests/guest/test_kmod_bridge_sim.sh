#!/bin/sh
# Bridge + simulated NIC, end to end, without the BPF programs: ns1 owns
# the NIC's host end (sim0), ns2 the wire end with stock software IPsec.
# Offloaded SAs make the 6.1 packet-mode TX hook skip the transform (the
# NIC does ESP; with no mark it resolves the SA from the secpath) and the
# NIC's decrypted packets pass the inbound policy through the RX secpath.
# Then: HW counters reach the kernel SA's lifetime (soft byte limit ->
# the kernel's own EXPIRE), withdraw/SA delete/device down tear offloads
# down with notifications, and unloading leaves a clean kernel log.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
offload_require_modules
load_stock_modules
PATH=$IPSO/bin:$PATH
check "bridge (poll 100 ms) and simulated NIC modules" offload_modules poll_ms=100

# The host end is created in the initial namespace and moved to ns1: the
# move must keep its driver registration.
check "sim pair ns1:sim0 <-> ns2:sim1" ns_pair_sim
wait_for bridge_lists sim0 sim &&
	ok "GET_DEVICES lists sim0: $($NS1 ipso_genl devices)" ||
	bad "sim0 never registered with the bridge"

# Our outbound IPv4 SA has a soft byte limit the offloaded traffic crosses.
xfrm_sa ns1 10.0.0.1 10.0.0.2 0x1001 1 transport $K12 limit byte-soft 800
xfrm_sa ns2 10.0.0.1 10.0.0.2 0x1001 1 transport $K12
xfrm_sa "ns1 ns2" 10.0.0.2 10.0.0.1 0x2002 2 transport $K21
xfrm_policy_pair transport 10.0.0.1 10.0.0.2 1
xfrm_pair transport fd00::1 fd00::2 0x3003 0x4004 3 $K12 $K21

$NS1 ipso_genl listen 120 >/run/notify.out 2>&1 &
LISTEN=$!
$NS1 /usr/sbin/ip xfrm monitor expire >/run/expire.out 2>&1 &
MON=$!
sleep 0.5
offload_on_sim0 "4 10.0.0.2 0x1001 out" "4 10.0.0.1 0x2002 in" \
	"6 fd00::2 0x3003 out" "6 fd00::1 0x4004 in"
wait_bridge_offloaded 4
$NS1 ipso_genl dump >/run/dump.out
sed 's/^/  /' /run/dump.out
n=$(grep -c 'state=offloaded handle=[1-9]' /run/dump.out)
[ "$n" -eq 4 ] && ok "4 SAs offloaded with non-zero handles" || bad "$n SAs offloaded"
out=$($NS1 ipso_genl offload 4 10.0.0.2 0x1001 sim0 out)
echo "$out" | grep -q 'state=offloaded' && [ "$($NS1 ipso_genl dump | wc -l)" -eq 4 ] &&
	ok "second OFFLOAD_SA returns the existing entry, no duplicate" ||
	bad "second OFFLOAD_SA: '$out'"

$NS2 /usr/bin/tcpdump -Z root -U --immediate-mode -n -i sim1 -w /run/wire.pcap >/run/tcpdump.log 2>&1 &
CAP=$!
sleep 2	# tcpdump is slow to attach under TCG
check "ping IPv4 through the offload" $NS1 ping -c 5 -s 200 -W 3 10.0.0.2
check "ping IPv6 through the offload" $NS1 ping -c 3 -W 3 fd00::2
$NS2 netprobe udp-recv 5000 5 3 >/run/udp.out 2>&1 &
R=$!
sleep 0.3
$NS1 netprobe udp-send 10.0.0.2 5000 hello-offload 3 >/dev/null 2>&1
wait $R && grep -q hello-offload /run/udp.out && ok "UDP delivered to the peer" ||
	bad "UDP not delivered"
sleep 0.5
kill $CAP
wait $CAP
capture_text /run/wire.pcap >/run/wire.txt
for spi in 1001 2002 3003 4004; do
	echo "  wire: ESP spi 0x$spi: $(grep -c "ESP(spi=0x0000$spi" /run/wire.txt) packets"
done
sed -n '1,6s/^/  wire: /p' /run/wire.txt
grep -q 'ESP(spi=0x00001001' /run/wire.txt && grep -q 'ESP(spi=0x00002002' /run/wire.txt &&
	grep -q 'ESP(spi=0x00003003' /run/wire.txt && grep -q 'ESP(spi=0x00004004' /run/wire.txt &&
	ok "wire carries ESP with all four SPIs" || bad "expected SPIs missing on the wire"
grep -qE 'ICMP echo|ICMP6, echo|UDP' /run/wire.txt && bad "plaintext on the wire" ||
	ok "no plaintext ICMP/UDP on the wire"
tx=$(sim_stat tx_encrypted)
rx=$(sim_stat rx_decrypted)
echo "  sim: tx_encrypted=$tx rx_decrypted=$rx slowpath=$(sim_stat tx_slowpath)"
check "the NIC did the ESP work (TX $tx >= 11, RX $rx >= 8)" \
	[ "${tx:-0}" -ge 11 -a "${rx:-0}" -ge 8 ]

sleep 0.5	# two polls
cur=$(ip -n ns1 -s xfrm state get src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1001 |
	sed -n 's/.*lifetime current:.*//p;/bytes),/p' | head -1)
pk=$(ip -n ns1 -s xfrm state get src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1001 |
	grep -A1 'lifetime current' | tail -1)
echo "  ns1 0x1001 lifetime current: $pk"
echo "$pk" | grep -qE '\(bytes\), [1-9][0-9]*\(packets\)' &&
	ok "HW counters fed into the kernel SA's lifetime" ||
	bad "kernel SA lifetime did not move"
$NS1 ipso_genl dump | grep 'spi=0x00001001' | grep -q 'hw_packets=[1-9]' &&
	ok "GET_OFFLOAD reports HW packets for 0x1001" || bad "no HW packets in GET_OFFLOAD"
grep -q 'spi 0x00001001' /run/expire.out && grep -qi 'hard 0' /run/expire.out &&
	ok "soft byte limit: kernel EXPIRE (soft) for the offloaded SA" ||
	bad "no soft expire event: $(tr '\n' '|' </run/expire.out)"

# Route change: 10.0.0.2 now via a plain veth.  The bundle's path device
# is no longer the offload's: the flow must stay encrypted, in software.
ip link add vr1 netns ns1 type veth peer name vr2 netns ns2
ip -n ns1 link set vr1 up
ip -n ns2 link set vr2 up
ip -n ns1 route add 10.0.0.2/32 dev vr1
ip -n ns2 route add 10.0.0.1/32 dev vr2
$NS2 /usr/bin/tcpdump -Z root -U --immediate-mode -n -i vr2 -w /run/vr.pcap >/dev/null 2>&1 &
CAP=$!
sleep 2
check "ping after the route moved to a device without the offload" $NS1 ping -c 3 -W 3 10.0.0.2
sleep 0.5
kill $CAP
wait $CAP
capture_text /run/vr.pcap >/run/vr.txt
n=$(grep -c '10.0.0.1 > 10.0.0.2: ESP(spi=0x00001001' /run/vr.txt)
[ "$n" -ge 3 ] && ! grep -q 'ICMP echo' /run/vr.txt &&
	ok "rerouted flow encrypted in software on the plain veth ($n ESP)" ||
	bad "rerouted flow: $(head -3 /run/vr.txt | tr '\n' '|')"
ip -n ns1 route del 10.0.0.2/32 dev vr1
ip -n ns2 route del 10.0.0.1/32 dev vr2

check "withdraw 0x1001" $NS1 ipso_genl withdraw 4 10.0.0.2 0x1001 sim0
sleep 0.3
check "ping IPv4 with 0x1001 back in software" $NS1 ping -c 2 -W 3 10.0.0.2
# Inbound 0x2002 arrived around the NIC over vr1: software took its
# replay window back and the offload went (docs/kmod.md, "RX guard").
$NS1 ipso_genl dump | grep -q 'spi=0x00002002' && bad "0x2002 still offloaded after the reroute" ||
	ok "inbound ESP around the NIC handed 0x2002 back to software"
check "delete SA 0x4004 in ns1" ip -n ns1 xfrm state del src fd00::2 dst fd00::1 proto esp spi 0x4004
sleep 0.3
$NS1 ipso_genl dump | grep -q 'spi=0x00004004' && bad "0x4004 still offloaded after delete" ||
	ok "SA delete removed its offload"
check "sim0 down" ip -n ns1 link set sim0 down
sleep 0.3
n=$($NS1 ipso_genl dump | wc -l)
[ "$n" -eq 0 ] && ok "device down removed the remaining offloads" || bad "$n offloads left after down"
kill $LISTEN $MON 2>/dev/null
wait $LISTEN $MON 2>/dev/null
sed 's/^/  /' /run/notify.out
grep -q 'spi=0x00001001.*state=none handle=0 reason=0$' /run/notify.out &&
	ok "NOTIFY: withdrawn" || bad "no withdraw notification"
grep -q 'spi=0x00002002.*state=none handle=0 reason=-18$' /run/notify.out &&
	ok "NOTIFY: handed back at the reroute (-EXDEV)" || bad "no hand-back notification"
grep -q 'spi=0x00004004.*state=none handle=0 reason=-2$' /run/notify.out &&
	ok "NOTIFY: SA deleted (-ENOENT)" || bad "no SA-delete notification"
grep -q 'spi=0x00003003.*state=none handle=0 reason=-100$' /run/notify.out &&
	ok "NOTIFY: device down (-ENETDOWN)" || bad "no device-down notification"
[ "$(grep -c 'state=offloaded' /run/notify.out)" -eq 4 ] &&
	ok "NOTIFY: four installs" || bad "install notifications missing"
offload_teardown
finish
