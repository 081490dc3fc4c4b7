#!/bin/sh
# Crypto mode of the simulated NIC (docs/sim-nic.md): sim0 created with
# crypto_mode=1 is a crypto-offload NIC (xfrmdev_ops, NETIF_F_HW_ESP) as
# mlx5e is on 6.1; the bridge's xfrmdev backend (the mlx5 adapter,
# xfrmdev_backend=1) claims it and binds offloaded SAs to it; the kernel
# builds ESP, the NIC encrypts and decrypts in place.  Transport IPv4 and
# IPv6, tunnel IPv4.  Peer: stock software IPsec.  Also the kernel's own
# `offload dev` path.
. /opt/ipso/tests/guest/lib.sh
KO=$IPSO/kmod/mlx5_ipsec/ipsec_offload.ko
SIMKO=$IPSO/kmod/ipsec_sim/ipsec_sim.ko
[ -f "$KO" ] || skip "ipsec_offload.ko not built"
[ -f "$SIMKO" ] || skip "ipsec_sim.ko not built"
PATH=$IPSO/bin:$PATH
command -v ipso_genl >/dev/null || skip "tests/bin/ipso_genl not built"
load_stock_modules
modprobe esp4_offload || bad "modprobe esp4_offload"
modprobe esp6_offload || bad "modprobe esp6_offload"
check "insmod bridge with the xfrmdev backend" insmod "$KO" xfrmdev_backend=1
check "insmod simulated NIC in crypto mode" insmod "$SIMKO" crypto_mode=1
D=/sys/kernel/debug/ipsec_sim/devices

ip netns add ns1
ip netns add ns2
check "crypto-mode pair in ns1" ip -n ns1 link add sim0 type ipsecsim
ip -n ns1 link set sim0p netns ns2
ip -n ns2 link set sim0p name sim1
ip -n ns1 addr add 10.0.0.1/24 dev sim0
ip -n ns2 addr add 10.0.0.2/24 dev sim1
ip -n ns1 addr add fd00::1/64 dev sim0 nodad
ip -n ns2 addr add fd00::2/64 dev sim1 nodad
ip -n ns1 addr add 10.0.1.1/24 dev sim0
ip -n ns2 addr add 10.0.1.2/24 dev sim1
ip -n ns1 addr add 192.168.1.1/32 dev lo
ip -n ns2 addr add 192.168.2.1/32 dev lo
for n in ns1 ns2; do ip -n $n link set lo up; done
ip -n ns1 link set sim0 up
ip -n ns2 link set sim1 up
ip -n ns1 route add 192.168.2.0/24 dev sim0 src 192.168.1.1
ip -n ns2 route add 192.168.1.0/24 dev sim1 src 192.168.2.1
check "the bridge's xfrmdev backend claimed sim0" \
	sh -c "$NS1 ipso_genl devices | grep -q 'name=sim0 backend=xfrmdev'"

K12=0x0102030405060708090a0b0c0d0e0f1011121314
K21=0x2122232425262728292a2b2c2d2e2f3031323334
sa_pair() {	# A B SPI_AB SPI_BA REQID
	for n in ns1 ns2; do
		ip -n $n xfrm state add src $1 dst $2 proto esp spi $3 reqid $5 \
			replay-window 32 mode transport aead 'rfc4106(gcm(aes))' $K12 128 || return 1
		ip -n $n xfrm state add src $2 dst $1 proto esp spi $4 reqid $(($5 + 1)) \
			replay-window 32 mode transport aead 'rfc4106(gcm(aes))' $K21 128 || return 1
	done
	t1="tmpl src $1 dst $2 proto esp reqid $5 mode transport"
	t2="tmpl src $2 dst $1 proto esp reqid $(($5 + 1)) mode transport"
	ip -n ns1 xfrm policy add src $1 dst $2 dir out $t1 &&
	ip -n ns1 xfrm policy add src $2 dst $1 dir in $t2 &&
	ip -n ns2 xfrm policy add src $2 dst $1 dir out $t2 &&
	ip -n ns2 xfrm policy add src $1 dst $2 dir in $t1
}
check "IPv4 SAs" sa_pair 10.0.0.1 10.0.0.2 0x1001 0x2002 1
check "IPv6 SAs" sa_pair fd00::1 fd00::2 0x3003 0x4004 3
tunnel_pair() {
	for n in ns1 ns2; do
		ip -n $n xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x5005 reqid 5 \
			replay-window 32 mode tunnel aead 'rfc4106(gcm(aes))' $K12 128 || return 1
		ip -n $n xfrm state add src 10.0.0.2 dst 10.0.0.1 proto esp spi 0x6006 reqid 6 \
			replay-window 32 mode tunnel aead 'rfc4106(gcm(aes))' $K21 128 || return 1
	done
	t1="tmpl src 10.0.0.1 dst 10.0.0.2 proto esp reqid 5 mode tunnel"
	t2="tmpl src 10.0.0.2 dst 10.0.0.1 proto esp reqid 6 mode tunnel"
	S1=192.168.1.0/24 S2=192.168.2.0/24
	ip -n ns1 xfrm policy add src $S1 dst $S2 dir out $t1 &&
	ip -n ns1 xfrm policy add src $S2 dst $S1 dir in $t2 &&
	ip -n ns2 xfrm policy add src $S2 dst $S1 dir out $t2 &&
	ip -n ns2 xfrm policy add src $S1 dst $S2 dir in $t1
}
check "IPv4 tunnel SAs" tunnel_pair
offload() { $NS1 ipso_genl offload $1 $2 $3 sim0 $4 >/dev/null; }
for x in "4 10.0.0.2 0x1001 out" "4 10.0.0.1 0x2002 in" \
	"6 fd00::2 0x3003 out" "6 fd00::1 0x4004 in" \
	"4 10.0.0.2 0x5005 out" "4 10.0.0.1 0x6006 in"; do
	check "offload $x" offload $x
done
i=0
while [ "$($NS1 ipso_genl dump | grep -c 'state=offloaded')" -lt 6 ] && [ $i -lt 100 ]; do
	i=$((i + 1))
	sleep 0.1
done
$NS1 ipso_genl dump | sed 's/^/  /'
n=$($NS1 ipso_genl dump | grep -c 'state=offloaded')
[ "$n" -eq 6 ] && ok "6 SAs bound to sim0 by the xfrmdev backend" || bad "$n of 6 SAs offloaded"
check "NIC holds 6 crypto-mode SAs" sh -c "grep -c 'crypto 1' $D | grep -qx 6"

capture_start "$NS2" sim1 /run/in.pcap '' in
capture_ready
check "ping ns1 -> ns2 IPv4" $NS1 ping -c 3 -W 3 10.0.0.2
check "ping ns2 -> ns1 IPv4" $NS2 ping -c 3 -W 3 10.0.0.1
check "ping ns1 -> ns2 IPv6" $NS1 ping -c 3 -W 3 fd00::2
check "ping ns2 -> ns1 IPv6" $NS2 ping -c 3 -W 3 fd00::1
tcp() {	# FROM TO ADDR BYTES
	$2 netprobe tcp-recv 6000 30 >/run/tcp.out 2>&1 &
	r=$!
	sleep 0.3
	$1 netprobe tcp-send $3 6000 $4 >/dev/null 2>&1
	wait $r && grep -q "received $4 bytes" /run/tcp.out
}
check "TCP 1 MB ns1 -> ns2" tcp "$NS1" "$NS2" 10.0.0.2 1000000
check "TCP 1 MB ns2 -> ns1" tcp "$NS2" "$NS1" 10.0.0.1 1000000
check "ping ns1 -> ns2 tunnel" $NS1 ping -c 3 -W 3 192.168.2.1
check "ping ns2 -> ns1 tunnel" $NS2 ping -c 3 -W 3 192.168.1.1
check "TCP 1 MB ns1 -> ns2 tunnel" tcp "$NS1" "$NS2" 192.168.2.1 1000000
capture_stop
capture_text /run/in.pcap >/run/in.txt
for spi in 1001 3003 5005; do
	c=$(grep -c "ESP(spi=0x0000$spi" /run/in.txt)
	[ "$c" -gt 0 ] && ok "wire from sim0: ESP spi 0x$spi ($c frames)" ||
		bad "wire from sim0: no ESP with spi 0x$spi"
done
grep -v ESP /run/in.txt | grep -E 'ICMP echo|ICMP6, echo|UDP|Flags \[' |
	grep -vE '192\.168\.[12]\.1' >/run/plain.txt
[ -s /run/plain.txt ] && { bad "plaintext from sim0"; head -n 3 /run/plain.txt; } ||
	ok "no plaintext from sim0 on the wire"
awk '$1 ~ /^(tx_enc|tx_pass|tx_drop|rx_dec|rx_auth|rx_no)/' $D | tr '\n' ' '
echo
tx=$(awk '$1 == "tx_encrypted" { print $2 }' $D)
rx=$(awk '$1 == "rx_decrypted" { print $2 }' $D)
[ "${tx:-0}" -ge 700 ] && [ "${rx:-0}" -ge 700 ] &&
	ok "the NIC encrypted ($tx) and decrypted ($rx) in crypto mode" ||
	bad "NIC crypto counters too low: tx $tx rx $rx"
# In crypto mode the kernel keeps the lifetime counters itself (per GSO
# skb, so they are not comparable packet for packet with the peer's).
kcnt() {	# NS SRC DST SPI -> PACKETS
	ip -n $1 -s xfrm state get src $2 dst $3 proto esp spi $4 |
		sed -n 's/^[[:space:]]*[0-9]*(bytes), \([0-9]*\)(packets).*/\1/p' |
		head -n 1
}
check "kernel counted 0x1001 (out) itself" [ "$(kcnt ns1 10.0.0.1 10.0.0.2 0x1001)" -gt 0 ]
check "kernel counted 0x2002 (in) itself" [ "$(kcnt ns1 10.0.0.2 10.0.0.1 0x2002)" -gt 0 ]
check "kernel counted tunnel 0x5005 (out)" [ "$(kcnt ns1 10.0.0.1 10.0.0.2 0x5005)" -gt 0 ]
check "kernel counted tunnel 0x6006 (in)" [ "$(kcnt ns1 10.0.0.2 10.0.0.1 0x6006)" -gt 0 ]

# The kernel's own crypto offload on the same NIC (no bridge involved).
for n in ns1 ns2; do
	off=
	[ $n = ns1 ] && off="offload dev sim0 dir out"
	ip -n $n xfrm state add src 10.0.1.1 dst 10.0.1.2 proto esp spi 0x5005 reqid 5 \
		mode transport aead 'rfc4106(gcm(aes))' $K12 128 $off
done
ip -n ns1 xfrm policy add src 10.0.1.1 dst 10.0.1.2 dir out \
	tmpl src 10.0.1.1 dst 10.0.1.2 proto esp reqid 5 mode transport
ip -n ns2 xfrm policy add src 10.0.1.1 dst 10.0.1.2 dir in \
	tmpl src 10.0.1.1 dst 10.0.1.2 proto esp reqid 5 mode transport
ip -n ns1 xfrm state get src 10.0.1.1 dst 10.0.1.2 proto esp spi 0x5005 | grep -q 'crypto offload parameters: dev sim0' &&
	ok "kernel-native offload dev sim0 accepted" || bad "kernel-native offload not bound"
$NS2 netprobe udp-recv 5000 5 1 >/run/u.out 2>&1 &
r=$!
sleep 0.3
tx0=$(awk '$1 == "tx_encrypted" { print $2 }' $D)
$NS1 netprobe udp-send 10.0.1.2 5000 native-crypto >/dev/null 2>&1
wait $r
check "kernel-native crypto offload: datagram delivered" grep -q native-crypto /run/u.out
check "kernel-native crypto offload: the NIC encrypted it" \
	[ "$(awk '$1 == "tx_encrypted" { print $2 }' $D)" -gt "$tx0" ]

ip netns del ns1
ip netns del ns2
sleep 0.5
check "rmmod simulated NIC" rmmod ipsec_sim
check "rmmod bridge" rmmod ipsec_offload
# With esp4/6_offload loaded, software SAs count per GSO skb: leave the
# next tests the kernel they expect.
check "rmmod esp4_offload esp6_offload" rmmod esp4_offload esp6_offload
finish
