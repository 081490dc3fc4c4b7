#!/bin/sh
# Simulated NIC with NAT-T (ESP in UDP, RFC 3948) against stock kernel
# IPsec (docs/sim-nic.md): transport and tunnel SAs with `encap espinudp
# 4500 4500`, offloaded on sim0; ns2 holds an ESP-in-UDP socket on 4500
# like an IKE daemon.  Traffic both ways; the wire shows only UDP-encap
# ESP with the expected SPIs; counters equal the peer's.
. /opt/ipso/tests/guest/lib.sh
KO=$IPSO/kmod/mlx5_ipsec/ipsec_offload.ko
SIMKO=$IPSO/kmod/ipsec_sim/ipsec_sim.ko
[ -f "$KO" ] || skip "ipsec_offload.ko not built"
[ -f "$SIMKO" ] || skip "ipsec_sim.ko not built"
PATH=$IPSO/bin:$PATH
command -v ipso_genl >/dev/null || skip "tests/bin/ipso_genl not built"
command -v natt_sock >/dev/null || skip "tests/bin/natt_sock not built"
load_stock_modules
# ESP GSO (esp4/6_offload) makes the software peer count one packet per
# GSO skb; the counter comparison below needs per-packet counting.
rmmod esp4_offload esp6_offload 2>/dev/null
check "insmod bridge" insmod "$KO"
check "insmod simulated NIC" insmod "$SIMKO"
D=/sys/kernel/debug/ipsec_sim/devices

ip netns add ns1
ip netns add ns2
ip -n ns1 link add sim0 type ipsecsim
ip -n ns1 link set sim0p netns ns2
ip -n ns2 link set sim0p name sim1
ip -n ns1 addr add 10.0.0.1/24 dev sim0
ip -n ns2 addr add 10.0.0.2/24 dev sim1
ip -n ns1 addr add 192.168.1.1/32 dev lo
ip -n ns2 addr add 192.168.2.1/32 dev lo
for n in ns1 ns2; do ip -n $n link set lo up; done
ip -n ns1 link set sim0 up
ip -n ns2 link set sim1 up
ip -n ns1 route add 192.168.2.0/24 dev sim0 src 192.168.1.1
ip -n ns2 route add 192.168.1.0/24 dev sim1 src 192.168.2.1

K12=0x0102030405060708090a0b0c0d0e0f1011121314
K21=0x2122232425262728292a2b2c2d2e2f3031323334
E="encap espinudp 4500 4500 0.0.0.0"
for n in ns1 ns2; do
	for m in "transport 0x1001 0x2002 1" "tunnel 0x5005 0x6006 5"; do
		set -- $m
		check "$1 NAT-T SAs in $n" sh -c "
		/usr/sbin/ip -n $n xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi $2 \
			reqid $4 replay-window 32 mode $1 aead 'rfc4106(gcm(aes))' $K12 128 $E &&
		/usr/sbin/ip -n $n xfrm state add src 10.0.0.2 dst 10.0.0.1 proto esp spi $3 \
			reqid $(($4 + 1)) replay-window 32 mode $1 aead 'rfc4106(gcm(aes))' $K21 128 $E"
	done
done
pol() {	# NS SRC DST DIR REQID MODE [SEL_SRC SEL_DST]
	ip -n $1 xfrm policy add src ${7:-$2} dst ${8:-$3} dir $4 \
		tmpl src $2 dst $3 proto esp reqid $5 mode $6
}
pol ns1 10.0.0.1 10.0.0.2 out 1 transport; pol ns1 10.0.0.2 10.0.0.1 in 2 transport
pol ns2 10.0.0.2 10.0.0.1 out 2 transport; pol ns2 10.0.0.1 10.0.0.2 in 1 transport
S1=192.168.1.0/24 S2=192.168.2.0/24
pol ns1 10.0.0.1 10.0.0.2 out 5 tunnel $S1 $S2; pol ns1 10.0.0.2 10.0.0.1 in 6 tunnel $S2 $S1
pol ns2 10.0.0.2 10.0.0.1 out 6 tunnel $S2 $S1; pol ns2 10.0.0.1 10.0.0.2 in 5 tunnel $S1 $S2
# The peer's kernel decapsulates ESP in UDP only on an encap socket
# (with per-socket bypass policies, as IKE daemons set them).
$NS2 natt_sock 4500 90 >/run/natt.out 2>&1 &
NATT=$!

i=0
until $NS1 ipso_genl devices 2>/dev/null | grep -q 'name=sim0 backend=sim'; do
	i=$((i + 1))
	[ $i -gt 50 ] && break
	sleep 0.1
done
offload() { $NS1 ipso_genl offload 4 $1 $2 sim0 $3 >/dev/null; }
for x in "10.0.0.2 0x1001 out" "10.0.0.1 0x2002 in" "10.0.0.2 0x5005 out" \
	"10.0.0.1 0x6006 in"; do
	check "offload $x" offload $x
done
i=0
while [ "$($NS1 ipso_genl dump | grep -c 'state=offloaded')" -lt 4 ] && [ $i -lt 100 ]; do
	i=$((i + 1))
	sleep 0.1
done
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
$NS2 netprobe tcp-recv 6000 30 >/run/tcp.out 2>&1 &
r=$!
sleep 0.3
$NS1 netprobe tcp-send 10.0.0.2 6000 1000000 >/dev/null 2>&1
wait $r
check "TCP 1 MB ns1 -> ns2 transport" grep -q 'received 1000000 bytes' /run/tcp.out
capture_stop
$NS2 cat /proc/net/xfrm_stat | awk '$2 != 0 { print "  ns2 xfrm_stat: " $0 }'
capture_text /run/in.pcap >/run/in.txt
capture_text /run/out.pcap >/run/out.txt
sed -n '1,4s/^/  wire: /p' /run/in.txt
for spi in 1001 5005; do
	c=$(grep -c "4500: UDP-encap: ESP(spi=0x0000$spi" /run/in.txt)
	[ "$c" -gt 0 ] && ok "wire from sim0: UDP-encap ESP spi 0x$spi ($c frames)" ||
		bad "wire from sim0: no UDP-encap ESP with spi 0x$spi"
done
for spi in 2002 6006; do
	c=$(grep -c "4500: UDP-encap: ESP(spi=0x0000$spi" /run/out.txt)
	[ "$c" -gt 0 ] && ok "wire from sim1: UDP-encap ESP spi 0x$spi ($c frames)" ||
		bad "wire from sim1: no UDP-encap ESP with spi 0x$spi"
done
grep 'IP 10\.0\.0\.1' /run/in.txt | grep -v 'UDP-encap: ESP' | grep -vE 'ARP' >/run/plain.txt
[ -s /run/plain.txt ] && { bad "non-encapsulated IPv4 from sim0"; head -n 3 /run/plain.txt; } ||
	ok "everything sim0 sent from 10.0.0.1 was UDP-encap ESP"

field() {	# SPI NAME
	awk -v s="spi 0x0000$1" -v f=$2 'index($0, s) {
		for (i = 1; i < NF; i++) if ($i == f) print $(i + 1) }' $D
}
same() {	# SRC DST SPI
	p=$(ip -n ns2 -s xfrm state get src $1 dst $2 proto esp spi 0x$3 |
		sed -n 's/^[[:space:]]*\([0-9]*\)(bytes), \([0-9]*\)(packets).*/\1 \2/p' |
		head -n 1)
	o="$(field $3 bytes) $(field $3 packets)"
	echo "  spi 0x$3: ours $o, peer $p"
	[ "$o" = "$p" ] && [ "${p%% *}" -gt 0 ]
}
check "counters 0x1001 equal the peer's" same 10.0.0.1 10.0.0.2 1001
check "counters 0x2002 equal the peer's" same 10.0.0.2 10.0.0.1 2002
check "counters 0x5005 equal the peer's" same 10.0.0.1 10.0.0.2 5005
check "counters 0x6006 equal the peer's" same 10.0.0.2 10.0.0.1 6006

kill $NATT 2>/dev/null
wait $NATT 2>/dev/null
ip netns del ns1
ip netns del ns2
sleep 0.5
check "rmmod simulated NIC" rmmod ipsec_sim
check "rmmod bridge" rmmod ipsec_offload
finish
