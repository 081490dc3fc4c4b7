#!/bin/sh
# Both datapath programs attached with iproute2 on veth in a netns (XDP
# with `ip link ... xdp obj`, tc egress with `tc filter ... bpf da obj`),
# sharing the maps iproute2 pins in /sys/fs/bpf/tc/globals; traffic
# flows, `bpftool map dump` shows the counters; with the mirror marked
# ready, ESP for an SPI the SAD lacks is dropped by XDP (real kernel ESP)
# and passes once the SA is in ipso_sad.
. /opt/ipso/tests/guest/lib.sh
load_stock_modules
grep -q " /sys/fs/bpf " /proc/mounts || mount -t bpf bpf /sys/fs/bpf
PIN=/sys/fs/bpf/tc/globals
B=$IPSO/bpf
[ -e $B/ipso_xdp.bpf.o ] || skip "bpf objects not built"
ns_pair_veth

check "ip link set veth1 xdp obj ipso_xdp.bpf.o sec xdp" \
	$NS1 /usr/sbin/ip link set dev veth1 xdp obj $B/ipso_xdp.bpf.o sec xdp
check "tc qdisc add clsact" $NS1 /usr/sbin/tc qdisc add dev veth1 clsact
check "tc filter add egress bpf da obj ipso_tc.bpf.o sec tc" \
	$NS1 /usr/sbin/tc filter add dev veth1 egress bpf da \
	obj $B/ipso_tc.bpf.o sec tc
for m in ipso_config ipso_sad ipso_offload ipso_handles ipso_stats \
	ipso_sa_stats ipso_hw_stats ipso_spd_lpm4 ipso_flow_cache; do
	[ -e $PIN/$m ] || bad "map $m not pinned in $PIN"
done
ok "maps pinned in $PIN"

# both programs use the same ipso_stats map (same id)
sid=$(bpftool map show pinned $PIN/ipso_stats | sed -n 's/^\([0-9]*\):.*/\1/p')
xids=$(bpftool prog show name ipso_xdp_rx | sed -n 's/.*map_ids \([0-9,]*\).*/\1/p')
tids=$(bpftool prog show name ipso_tc_egress | sed -n 's/.*map_ids \([0-9,]*\).*/\1/p')
echo "  ipso_stats id $sid; xdp maps $xids; tc maps $tids"
check "XDP and tc share the pinned ipso_stats" \
	sh -c "echo ,$xids, | grep -q ,$sid, && echo ,$tids, | grep -q ,$sid,"

stat() {	# enum ipso_stat index -> sum over CPUs
	bpftool -j map lookup pinned $PIN/ipso_stats key $1 0 0 0 |
		grep -o '"value":[0-9]*' | cut -d: -f2 |
		awk '{s += $1} END {print s + 0}'
}
check "ping ns1 -> ns2 (IPv4) through both programs" $NS1 ping -c 3 -W 2 10.0.0.2
check "ping ns1 -> ns2 (IPv6)" $NS1 ping -c 3 -W 2 fd00::2
tx=$(stat 0)	# IPSO_STAT_TX_NO_SA
rx=$(stat 5)	# IPSO_STAT_RX_PASS
echo "  tx_no_sa $tx rx_pass $rx"
check "tc egress counted plain packets (>= 6)" [ "$tx" -ge 6 ]
check "XDP counted received packets (>= 6)" [ "$rx" -ge 6 ]
bpftool map dump pinned $PIN/ipso_stats >/run/stats.dump 2>&1
sed 's/^/  /' /run/stats.dump | head -n 8
check "bpftool map dump prints ipso_stats" grep -q '"cpu"' /run/stats.dump

# Real ESP, transport mode, ns1 <-> ns2.
K=0x0102030405060708090a0b0c0d0e0f1011121314
for n in ns1 ns2; do
	ip -n $n xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1001 \
		reqid 1 mode transport aead 'rfc4106(gcm(aes))' $K 128
	ip -n $n xfrm state add src 10.0.0.2 dst 10.0.0.1 proto esp spi 0x2002 \
		reqid 2 mode transport aead 'rfc4106(gcm(aes))' $K 128
done
ip -n ns1 xfrm policy add src 10.0.0.1 dst 10.0.0.2 dir out tmpl proto esp reqid 1 mode transport
ip -n ns1 xfrm policy add src 10.0.0.2 dst 10.0.0.1 dir in tmpl proto esp reqid 2 mode transport
ip -n ns2 xfrm policy add src 10.0.0.2 dst 10.0.0.1 dir out tmpl proto esp reqid 2 mode transport
ip -n ns2 xfrm policy add src 10.0.0.1 dst 10.0.0.2 dir in tmpl proto esp reqid 1 mode transport

check "ESP ping while the mirror never wrote (generation 0): passes" \
	$NS1 ping -c 2 -W 2 10.0.0.2
# ipso_config: magic, masks, flags 0, generation 1, no lease (little endian)
bpftool map update pinned $PIN/ipso_config key 0 0 0 0 value \
	0 0 0 0xe5 0 0 0 0xff 0xff 0xff 0xff 0 0 0 0 0 1 0 0 0 0 0 0 0 \
	0 0 0 0 0 0 0 0
# An SPI ipso_sad lacks may be a rekey's new SA: the kernel judges it.
pu0=$(stat 10)	# IPSO_STAT_RX_PASS_UNKNOWN_SPI
check "ESP with SPI 0x2002 unknown to ipso_sad: passed to the kernel" \
	$NS1 ping -c 2 -W 2 10.0.0.2
pu1=$(stat 10)
check "RX_PASS_UNKNOWN_SPI counted ($pu0 -> $pu1)" [ "$pu1" -gt "$pu0" ]
# ipso_sad key: daddr 10.0.0.1, spi 0x2002 (net order), ESP, AF_INET
zeros=""
i=0
while [ $i -lt 120 ]; do zeros="$zeros 0"; i=$((i + 1)); done
check "add the SA to ipso_sad with bpftool" bpftool map update \
	pinned $PIN/ipso_sad key 10 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 \
	0 0 0x20 0x02 50 2 0 0 value $zeros
sw0=$(stat 12)	# IPSO_STAT_RX_SW_ESP
check "ESP ping with the SA known: passes" $NS1 ping -c 2 -W 2 10.0.0.2
sw1=$(stat 12)
check "RX_SW_ESP counted ($sw0 -> $sw1)" [ "$sw1" -gt "$sw0" ]
bpftool map dump pinned $PIN/ipso_sad >/run/sad.dump 2>&1
check "bpftool prints ipso_sad with field names" grep -q '"spi"' /run/sad.dump

# leave nothing for the next test
$NS1 /usr/sbin/ip link set dev veth1 xdp off
$NS1 /usr/sbin/tc qdisc del dev veth1 clsact
rm -f $PIN/ipso_*
finish
