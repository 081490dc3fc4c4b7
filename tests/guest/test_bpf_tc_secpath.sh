#!/bin/sh
# The tc egress program on packets that really carry an XFRM state in
# their secpath (bpf_skb_get_xfrm_state), on the guest's 6.1 kernel:
# ns2 sends ESP (tunnel mode) to the gateway ns1, which decrypts and
# forwards the plaintext to ns3 -- the forwarded skb keeps its inbound
# secpath, and ns1's tc egress on veth3 sees it.  Each map state gives a
# different verdict:
#   SA unknown to ipso_sad                 -> drop (TX_DROP_UNKNOWN_SA)
#   same, the mirror's lease expired       -> pass (TX_PASS_STALE)
#   SA known, dir in                       -> pass (TX_PASS_INBOUND_SA)
#   SA known, dir out, not offloaded here  -> drop (TX_DROP_NOT_OFFLOADED)
#   offloaded on veth3 with handle 7       -> pass, marked (TX_MARKED),
#                                             ipso_sa_stats[7] counts
. /opt/ipso/tests/guest/lib.sh
load_stock_modules
grep -q " /sys/fs/bpf " /proc/mounts || mount -t bpf bpf /sys/fs/bpf
PIN=/sys/fs/bpf/tc/globals
B=$IPSO/bpf
[ -e $B/ipso_tc.bpf.o ] || skip "bpf objects not built"
NS3="nsenter --net=/run/netns/ns3"
ns_pair_veth
ip netns add ns3
ip link add veth3 netns ns1 type veth peer name veth4 netns ns3
ip -n ns1 addr add 10.0.1.1/24 dev veth3
ip -n ns3 addr add 10.0.1.2/24 dev veth4
ip -n ns1 link set veth3 up
ip -n ns3 link set veth4 up
ip -n ns3 link set lo up
ip -n ns3 route add default via 10.0.1.1
ip -n ns2 route add 10.0.1.0/24 via 10.0.0.1
$NS1 sysctl -qw net.ipv4.ip_forward=1

K=0x0102030405060708090a0b0c0d0e0f1011121314
for n in ns1 ns2; do
	ip -n $n xfrm state add src 10.0.0.2 dst 10.0.0.1 proto esp spi 0x3003 \
		reqid 3 mode tunnel aead 'rfc4106(gcm(aes))' $K 128
done
ip -n ns2 xfrm policy add src 10.0.0.2/32 dst 10.0.1.0/24 dir out \
	tmpl src 10.0.0.2 dst 10.0.0.1 proto esp reqid 3 mode tunnel
for d in in fwd; do
	ip -n ns1 xfrm policy add src 10.0.0.2/32 dst 10.0.1.0/24 dir $d \
		tmpl src 10.0.0.2 dst 10.0.0.1 proto esp reqid 3 mode tunnel
done
check "ping ns2 -> ns3 through the ESP tunnel, no program yet" \
	$NS2 ping -c 1 -W 2 10.0.1.2

check "tc egress program on the gateway's veth3" sh -c "
	$NS1 /usr/sbin/tc qdisc add dev veth3 clsact &&
	$NS1 /usr/sbin/tc filter add dev veth3 egress bpf da \
		obj $B/ipso_tc.bpf.o sec tc"
ifx=$($NS1 /usr/sbin/ip -o link show veth3 | cut -d: -f1)
echo "  veth3 ifindex in ns1: $ifx"

stat() {	# enum ipso_stat index -> sum over CPUs
	bpftool -j map lookup pinned $PIN/ipso_stats key $1 0 0 0 |
		grep -o '"value":[0-9]*' | cut -d: -f2 |
		awk '{s += $1} END {print s + 0}'
}
# ping that must fail (1) or pass (0); counter index must grow
expect() {	# WHAT WANT_RC STAT
	local b a rc
	b=$(stat $3)
	$NS2 ping -c 2 -W 2 10.0.1.2 >/dev/null 2>&1
	rc=$?
	a=$(stat $3)
	if [ $2 -eq 0 ] && [ $rc -eq 0 ] && [ "$a" -gt "$b" ]; then
		ok "$1 (counter $3: $b -> $a)"
	elif [ $2 -ne 0 ] && [ $rc -ne 0 ] && [ "$a" -gt "$b" ]; then
		ok "$1 (counter $3: $b -> $a)"
	else
		bad "$1 (ping rc $rc, counter $3: $b -> $a)"
	fi
}
# bpf_skb_get_xfrm_state() names the state by its source, SPI and reqid:
# the SA as the daemon would mirror it (ipso_sad + ipso_sa_bysrc)
MT=$IPSO/tests/bin/mirror_tool
SAKEY="10 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0x30 0x03 50 2 0 0"
expect "secpath SA unknown to ipso_sad: dropped (fail closed)" 1 3
check "expire the mirror's lease" $MT lease expired
expect "same with the mirror's lease expired: passed" 0 17
check "renew the lease for 60 s" $MT lease +60
expect "same with the lease renewed: dropped" 1 3
check "no lease" $MT lease none
check "mirror the SA, dir in" $MT sa 10.0.0.2 10.0.0.1 0x3003 3 tunnel in
expect "secpath SA known as inbound (forwarded after decrypt): passed" 0 16
check "mirror the SA, dir out" $MT sa 10.0.0.2 10.0.0.1 0x3003 3 tunnel out
expect "outbound SA not offloaded on this device: dropped" 1 2
ifb="$((ifx & 255)) $(((ifx >> 8) & 255)) 0 0"
bpftool map update pinned $PIN/ipso_offload key $SAKEY $ifb \
	value 2 0 0 0 7 0 0 0 0 0 0 0 0 0 0 0
expect "SA offloaded on veth3 with handle 7: marked and passed" 0 1
txp=$(bpftool -j map lookup pinned $PIN/ipso_sa_stats key 7 0 0 0 |
	grep -o '"tx_packets":[0-9]*' | cut -d: -f2 |
	awk '{s += $1} END {print s + 0}')
check "ipso_sa_stats[7].tx_packets counted ($txp)" [ "${txp:-0}" -ge 2 ]

$NS1 /usr/sbin/tc qdisc del dev veth3 clsact
rm -f $PIN/ipso_*
finish
