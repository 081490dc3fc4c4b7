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
. /opt/ipso/tests/guest/lib_offload.sh
offload_require_modules
load_stock_modules
PATH=$IPSO/bin:$PATH
NS0="nsenter --net=/run/netns/ns0"
check "bridge (poll 200 ms) and simulated NIC modules" offload_modules poll_ms=200
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

xfrm_pair tunnel 10.0.0.1 10.0.0.2 0x1001 0x2002 1 $K12 $K21 192.168.1.0/24 192.168.2.0/24
xfrm_pair tunnel fd00::1 fd00::2 0x3003 0x4004 3 $K12 $K21 fd01::/64 fd02::/64
# ns1 is the gateway: the replies it forwards to ns0 come from the tunnel.
ip -n ns1 xfrm policy add src 192.168.2.0/24 dst 192.168.1.0/24 dir fwd \
	tmpl src 10.0.0.2 dst 10.0.0.1 proto esp reqid 2 mode tunnel
ip -n ns1 xfrm policy add src fd02::/64 dst fd01::/64 dir fwd \
	tmpl src fd00::2 dst fd00::1 proto esp reqid 4 mode tunnel

check "software tunnel baseline (forwarded IPv4)" $NS0 ping -c 1 -W 3 192.168.2.1
check "the bridge lists sim0" wait_for bridge_lists sim0
offload_on_sim0 "4 10.0.0.2 0x1001 out" "4 10.0.0.1 0x2002 in" \
	"6 fd00::2 0x3003 out" "6 fd00::1 0x4004 in"
wait_bridge_offloaded 4
[ "$(bridge_offloaded_count)" -eq 4 ] &&
	ok "4 tunnel SAs offloaded" || bad "tunnel SAs not offloaded: $($NS1 ipso_genl dump)"

$NS2 /usr/bin/tcpdump -Z root -U --immediate-mode -n -i sim1 -w /run/wire.pcap >/dev/null 2>&1 &
CAP=$!
sleep 2
tx0=$(sim_stat tx_encrypted); rx0=$(sim_stat rx_decrypted)
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
check "TCP 2 MB received by ns2" grep -q 'received 2000000 bytes' /run/tcp.out
sleep 0.5
kill $CAP; wait $CAP
tx1=$(sim_stat tx_encrypted); rx1=$(sim_stat rx_decrypted)
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
