#!/bin/sh
# Tunnel mode and forwarding through the bridge's 6.1 packet-mode hooks.
#   ns0 (client) --veth-- ns1 (gateway, sim0 = NIC host end) --sim-- ns2
# ns1 and ns2 hold ESP tunnel SAs (outer 10.0.0.1 <-> 10.0.0.2 and
# fd00::1 <-> fd00::2) for 192.168.1.0/24 <-> 192.168.2.0/24 and
# fd01::/64 <-> fd02::/64; ns2 uses stock software IPsec.  ns1's SAs are
# offloaded on sim0, so:
#   - ns0 -> ns2 is forwarded by ns1: the FORWARD hook sends the inner
#     packet straight to the tunnel peer's neighbour, the NIC adds the
#     outer header and ESP;
#   - ns1's own packets (LOCAL_OUT) likewise;
#   - replies are decapsulated by the NIC and must pass ns1's fwd / in
#     policy checks through the RX secpath alone.
. /opt/ipso/tests/guest/lib.sh
KO=$IPSO/kmod/mlx5_ipsec/ipsec_offload.ko
SIMKO=$IPSO/kmod/ipsec_sim/ipsec_sim.ko
[ -f "$KO" ] || skip "ipsec_offload.ko not built"
[ -f "$SIMKO" ] || skip "ipsec_sim.ko not built"
load_stock_modules
PATH=$IPSO/bin:$PATH
NS0="nsenter --net=/run/netns/ns0"
check "insmod bridge" insmod "$KO" poll_ms=200
check "insmod simulated NIC" insmod "$SIMKO"
for n in ns0 ns1 ns2; do ip netns add $n; ip -n $n link set lo up; done
ip link add sim0 type ipsecsim
sleep 0.3
ip link set sim0 netns ns1
ip link set sim0p netns ns2
ip -n ns2 link set sim0p name sim1
ip link add veth0 netns ns0 type veth peer name veth1 netns ns1
ip -n ns0 addr add 192.168.1.2/24 dev veth0
ip -n ns0 addr add fd01::2/64 dev veth0 nodad
ip -n ns1 addr add 192.168.1.1/24 dev veth1
ip -n ns1 addr add fd01::1/64 dev veth1 nodad
ip -n ns1 addr add 10.0.0.1/24 dev sim0
ip -n ns1 addr add fd00::1/64 dev sim0 nodad
ip -n ns2 addr add 10.0.0.2/24 dev sim1
ip -n ns2 addr add fd00::2/64 dev sim1 nodad
ip -n ns2 addr add 192.168.2.1/32 dev lo
ip -n ns2 addr add fd02::1/128 dev lo
ip -n ns0 link set veth0 up; ip -n ns1 link set veth1 up
ip -n ns1 link set sim0 up; ip -n ns2 link set sim1 up
ip -n ns0 route add default via 192.168.1.1
ip -n ns0 -6 route add default via fd01::1
ip -n ns1 route add 192.168.2.0/24 via 10.0.0.2
ip -n ns1 -6 route add fd02::/64 via fd00::2
ip -n ns2 route add 192.168.1.0/24 via 10.0.0.1
ip -n ns2 -6 route add fd01::/64 via fd00::1
$NS1 sysctl -qw net.ipv4.ip_forward=1
$NS1 sysctl -qw net.ipv6.conf.all.forwarding=1

K12=0x0102030405060708090a0b0c0d0e0f1011121314
K21=0x2122232425262728292a2b2c2d2e2f3031323334
tsa() {	# SRC DST SPI REQID KEY (both namespaces)
	for n in ns1 ns2; do
		ip -n $n xfrm state add src $1 dst $2 proto esp spi $3 reqid $4 \
			mode tunnel aead 'rfc4106(gcm(aes))' $5 128
	done
}
tpol() {	# NS SEL-SRC SEL-DST DIR OUTER-SRC OUTER-DST REQID
	ip -n $1 xfrm policy add src $2 dst $3 dir $4 \
		tmpl src $5 dst $6 proto esp reqid $7 mode tunnel
}
tsa 10.0.0.1 10.0.0.2 0x1001 1 $K12
tsa 10.0.0.2 10.0.0.1 0x2002 2 $K21
tsa fd00::1 fd00::2 0x3003 3 $K12
tsa fd00::2 fd00::1 0x4004 4 $K21
tpol ns1 192.168.1.0/24 192.168.2.0/24 out 10.0.0.1 10.0.0.2 1
tpol ns1 192.168.2.0/24 192.168.1.0/24 fwd 10.0.0.2 10.0.0.1 2
tpol ns1 192.168.2.0/24 192.168.1.0/24 in 10.0.0.2 10.0.0.1 2
tpol ns2 192.168.2.0/24 192.168.1.0/24 out 10.0.0.2 10.0.0.1 2
tpol ns2 192.168.1.0/24 192.168.2.0/24 in 10.0.0.1 10.0.0.2 1
tpol ns1 fd01::/64 fd02::/64 out fd00::1 fd00::2 3
tpol ns1 fd02::/64 fd01::/64 fwd fd00::2 fd00::1 4
tpol ns1 fd02::/64 fd01::/64 in fd00::2 fd00::1 4
tpol ns2 fd02::/64 fd01::/64 out fd00::2 fd00::1 4
tpol ns2 fd01::/64 fd02::/64 in fd00::1 fd00::2 3

check "software tunnel baseline (forwarded IPv4)" $NS0 ping -c 1 -W 3 192.168.2.1
i=0
until $NS1 ipso_genl devices 2>/dev/null | grep -q 'name=sim0'; do
	i=$((i + 1)); [ $i -gt 50 ] && break; sleep 0.1
done
check "offload 0x1001 out" $NS1 ipso_genl offload 4 10.0.0.2 0x1001 sim0 out
check "offload 0x2002 in" $NS1 ipso_genl offload 4 10.0.0.1 0x2002 sim0 in
check "offload 0x3003 out" $NS1 ipso_genl offload 6 fd00::2 0x3003 sim0 out
check "offload 0x4004 in" $NS1 ipso_genl offload 6 fd00::1 0x4004 sim0 in
i=0
while [ "$($NS1 ipso_genl dump | grep -c 'state=offloaded')" -lt 4 ] && [ $i -lt 100 ]; do
	i=$((i + 1)); sleep 0.1
done
[ "$($NS1 ipso_genl dump | grep -c 'state=offloaded')" -eq 4 ] &&
	ok "4 tunnel SAs offloaded" || bad "tunnel SAs not offloaded: $($NS1 ipso_genl dump)"

D=/sys/kernel/debug/ipsec_sim/devices
stat() { awk -v k=$1 '$1 == k { print $2 }' $D; }
$NS2 /usr/bin/tcpdump -Z root -U --immediate-mode -n -i sim1 -w /run/wire.pcap >/dev/null 2>&1 &
CAP=$!
sleep 2
tx0=$(stat tx_encrypted); rx0=$(stat rx_decrypted)
check "forwarded IPv4 ns0 -> ns2 through the offloaded tunnel" $NS0 ping -c 3 -W 3 192.168.2.1
check "forwarded IPv6 ns0 -> ns2 through the offloaded tunnel" $NS0 ping -c 3 -W 3 fd02::1
check "gateway's own IPv4 (LOCAL_OUT, tunnel)" $NS1 ping -c 2 -W 3 -I 192.168.1.1 192.168.2.1
check "gateway's own IPv6 (LOCAL_OUT, tunnel)" $NS1 ping -c 2 -W 3 -I fd01::1 fd02::1
$NS2 netprobe tcp-recv 6000 20 >/run/tcp.out 2>&1 &
R=$!
sleep 0.5
check "TCP 2 MB ns0 -> ns2 through the offloaded tunnel" $NS0 netprobe tcp-send 192.168.2.1 6000 2000000
wait $R
echo "  tcp receiver: $(cat /run/tcp.out)"
sleep 0.5
kill $CAP; wait $CAP
tx1=$(stat tx_encrypted); rx1=$(stat rx_decrypted)
echo "  sim: tx_encrypted $tx0 -> $tx1, rx_decrypted $rx0 -> $rx1"
[ $((tx1 - tx0)) -ge 10 ] && [ $((rx1 - rx0)) -ge 10 ] &&
	ok "the NIC encapsulated and decapsulated the tunnel traffic" ||
	bad "NIC counters did not move enough"
capture_text /run/wire.pcap >/run/wire.txt
for spi in 1001 2002 3003 4004; do
	echo "  wire: ESP spi 0x$spi: $(grep -c "ESP(spi=0x0000$spi" /run/wire.txt) packets"
done
grep -q '10.0.0.1 > 10.0.0.2: ESP(spi=0x00001001' /run/wire.txt &&
	grep -q 'fd00::1 > fd00::2: ESP(spi=0x00003003' /run/wire.txt &&
	ok "outer headers and SPIs on the wire are the SAs'" || bad "tunnel ESP missing on the wire"
# The peer re-injects each packet it decapsulates on sim1, so tcpdump there
# shows inner packets towards ns2 after their ESP.  Plaintext that should
# have been encrypted would hit ns2's inbound policy: XfrmInTmplMismatch.
mism=$($NS2 cat /proc/net/xfrm_stat | awk '$1 == "XfrmInTmplMismatch" { print $2 }')
nopol=$($NS2 cat /proc/net/xfrm_stat | awk '$1 == "XfrmInNoPols" { print $2 }')
[ "${mism:-1}" -eq 0 ] && [ "${nopol:-1}" -eq 0 ] &&
	ok "the peer's inbound policy saw no plaintext (XfrmInTmplMismatch 0)" ||
	bad "peer saw plaintext: XfrmInTmplMismatch=$mism XfrmInNoPols=$nopol"
inner=$(grep -cE '192\.168\.1\.[12] > 192\.168\.2\.1|fd01::[12] > fd02::1' /run/wire.txt)
esp=$(grep -cE 'ESP\(spi=0x0000(1001|3003)' /run/wire.txt)
[ "$inner" -le "$esp" ] && ok "inner packets on sim1 ($inner) are the peer's decapsulations of our ESP ($esp)" ||
	bad "more inner packets ($inner) than ESP ($esp) towards ns2"
grep -qE '192\.168\.2\.1 > 192\.168\.1|fd02::1 > fd01::' /run/wire.txt &&
	bad "replies in plaintext on the wire" || ok "no plaintext reply on the wire"
$NS1 cat /proc/net/xfrm_stat | grep -v '	0$' | sed 's/^/  ns1 xfrm_stat: /'
check "rmmod simulated NIC with live offloads" rmmod ipsec_sim
sleep 0.5
n=$($NS1 ipso_genl dump | wc -l)
[ "$n" -eq 0 ] && ok "offloads gone with the device" || bad "$n offloads left"
check "rmmod bridge" rmmod ipsec_offload
finish
