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
KO=$IPSO/kmod/mlx5_ipsec/ipsec_offload.ko
SIMKO=$IPSO/kmod/ipsec_sim/ipsec_sim.ko
[ -f "$KO" ] || skip "ipsec_offload.ko not built"
[ -f "$SIMKO" ] || skip "ipsec_sim.ko not built"
load_stock_modules
PATH=$IPSO/bin:$PATH
check "insmod bridge (poll 100 ms)" insmod "$KO" poll_ms=100
check "insmod simulated NIC" insmod "$SIMKO"

ip netns add ns1
ip netns add ns2
# iproute2 cannot name the peer of a new kind: it is "<name>p".  Moving
# the host end to ns1 must keep its driver registration.
check "sim pair sim0 <-> sim0p" ip link add sim0 type ipsecsim
sleep 0.3
ip link set sim0 netns ns1
ip link set sim0p netns ns2
ip -n ns2 link set sim0p name sim1
ip -n ns1 addr add 10.0.0.1/24 dev sim0
ip -n ns2 addr add 10.0.0.2/24 dev sim1
ip -n ns1 addr add fd00::1/64 dev sim0 nodad
ip -n ns2 addr add fd00::2/64 dev sim1 nodad
for n in ns1 ns2; do ip -n $n link set lo up; done
ip -n ns1 link set sim0 up
ip -n ns2 link set sim1 up
i=0
until $NS1 ipso_genl devices 2>/dev/null | grep -q 'name=sim0 backend=sim'; do
	i=$((i + 1))
	[ $i -gt 50 ] && break
	sleep 0.1
done
$NS1 ipso_genl devices | grep -q 'name=sim0 backend=sim' &&
	ok "GET_DEVICES lists sim0: $($NS1 ipso_genl devices)" ||
	bad "sim0 never registered with the bridge"

K12=0x0102030405060708090a0b0c0d0e0f1011121314
K21=0x2122232425262728292a2b2c2d2e2f3031323334
sa() {	# NS SRC DST SPI REQID KEY [LIMITS...]
	n=$1 s=$2 d=$3 spi=$4 r=$5 k=$6
	shift 6
	ip -n $n xfrm state add src $s dst $d proto esp spi $spi reqid $r \
		mode transport aead 'rfc4106(gcm(aes))' $k 128 "$@"
}
pol() {	# NS SRC DST DIR REQID
	ip -n $1 xfrm policy add src $2 dst $3 dir $4 \
		tmpl src $2 dst $3 proto esp reqid $5 mode transport
}
for n in ns1 ns2; do
	sa $n 10.0.0.2 10.0.0.1 0x2002 2 $K21
	sa $n fd00::1 fd00::2 0x3003 3 $K12
	sa $n fd00::2 fd00::1 0x4004 4 $K21
done
# Our outbound IPv4 SA has a soft byte limit the offloaded traffic crosses.
sa ns1 10.0.0.1 10.0.0.2 0x1001 1 $K12 limit byte-soft 800
sa ns2 10.0.0.1 10.0.0.2 0x1001 1 $K12
pol ns1 10.0.0.1 10.0.0.2 out 1; pol ns1 10.0.0.2 10.0.0.1 in 2
pol ns2 10.0.0.2 10.0.0.1 out 2; pol ns2 10.0.0.1 10.0.0.2 in 1
pol ns1 fd00::1 fd00::2 out 3; pol ns1 fd00::2 fd00::1 in 4
pol ns2 fd00::2 fd00::1 out 4; pol ns2 fd00::1 fd00::2 in 3

$NS1 ipso_genl listen 120 >/run/notify.out 2>&1 &
LISTEN=$!
$NS1 /usr/sbin/ip xfrm monitor expire >/run/expire.out 2>&1 &
MON=$!
sleep 0.5
check "offload 0x1001 out on sim0" $NS1 ipso_genl offload 4 10.0.0.2 0x1001 sim0 out
check "offload 0x2002 in on sim0" $NS1 ipso_genl offload 4 10.0.0.1 0x2002 sim0 in
check "offload 0x3003 out on sim0" $NS1 ipso_genl offload 6 fd00::2 0x3003 sim0 out
check "offload 0x4004 in on sim0" $NS1 ipso_genl offload 6 fd00::1 0x4004 sim0 in
i=0
while [ "$($NS1 ipso_genl dump | grep -c 'state=offloaded')" -lt 4 ] && [ $i -lt 100 ]; do
	i=$((i + 1))
	sleep 0.1
done
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
D=/sys/kernel/debug/ipsec_sim/devices
if [ -r $D ]; then
	tx=$(awk '$1 == "tx_encrypted" { print $2 }' $D)
	rx=$(awk '$1 == "rx_decrypted" { print $2 }' $D)
	echo "  sim: tx_encrypted=$tx rx_decrypted=$rx slowpath=$(awk '$1 == "tx_slowpath" { print $2 }' $D)"
	[ "${tx:-0}" -ge 11 ] && [ "${rx:-0}" -ge 8 ] &&
		ok "the NIC did the ESP work (TX and RX)" || bad "NIC counters too low"
fi

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
check "delete SA 0x2002 in ns1" ip -n ns1 xfrm state del src 10.0.0.2 dst 10.0.0.1 proto esp spi 0x2002
sleep 0.3
$NS1 ipso_genl dump | grep -q 'spi=0x00002002' && bad "0x2002 still offloaded after delete" ||
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
grep -q 'spi=0x00002002.*state=none handle=0 reason=-2$' /run/notify.out &&
	ok "NOTIFY: SA deleted (-ENOENT)" || bad "no SA-delete notification"
grep -q 'spi=0x00003003.*state=none handle=0 reason=-100$' /run/notify.out &&
	ok "NOTIFY: device down (-ENETDOWN)" || bad "no device-down notification"
[ "$(grep -c 'state=offloaded' /run/notify.out)" -eq 4 ] &&
	ok "NOTIFY: four installs" || bad "install notifications missing"
ip netns del ns1
ip netns del ns2
sleep 0.5
check "rmmod simulated NIC" rmmod ipsec_sim
check "rmmod bridge" rmmod ipsec_offload
finish
