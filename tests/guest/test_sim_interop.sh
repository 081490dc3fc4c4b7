#!/bin/sh
# Simulated NIC against stock kernel IPsec (docs/sim-nic.md): ns1 owns
# the NIC's host end sim0 with every SA offloaded through the bridge; ns2
# has the wire end sim1 and ordinary software IPsec with the same keys.
# Transport and tunnel, IPv4 and IPv6: ping, UDP and TCP both ways; the
# wire carries only ESP with the expected SPIs; our hardware counters
# equal the peer's `ip -s xfrm state`; a replayed and a tampered packet
# are dropped with the replay / auth-failure count and never delivered.
. /opt/ipso/tests/guest/lib.sh
KO=$IPSO/kmod/mlx5_ipsec/ipsec_offload.ko
SIMKO=$IPSO/kmod/ipsec_sim/ipsec_sim.ko
[ -f "$KO" ] || skip "ipsec_offload.ko not built"
[ -f "$SIMKO" ] || skip "ipsec_sim.ko not built"
PATH=$IPSO/bin:$PATH
command -v ipso_genl >/dev/null || skip "tests/bin/ipso_genl not built"
command -v esp_inject >/dev/null || skip "tests/bin/esp_inject not built"
load_stock_modules
# ESP GSO (esp4/6_offload) makes the software peer count one packet per
# GSO skb; the counter comparison below needs per-packet counting.
rmmod esp4_offload esp6_offload 2>/dev/null
check "insmod bridge" insmod "$KO"
check "insmod simulated NIC" insmod "$SIMKO"
D=/sys/kernel/debug/ipsec_sim/devices

ip netns add ns1
ip netns add ns2
check "sim pair created in ns1" ip -n ns1 link add sim0 type ipsecsim
ip -n ns1 link set sim0p netns ns2
ip -n ns2 link set sim0p name sim1
ip -n ns1 addr add 10.0.0.1/24 dev sim0
ip -n ns2 addr add 10.0.0.2/24 dev sim1
ip -n ns1 addr add fd00::1/64 dev sim0 nodad
ip -n ns2 addr add fd00::2/64 dev sim1 nodad
# tunnel mode: inner subnets behind each end
ip -n ns1 addr add 192.168.1.1/32 dev lo
ip -n ns2 addr add 192.168.2.1/32 dev lo
ip -n ns1 addr add fd01::1/128 dev lo
ip -n ns2 addr add fd02::1/128 dev lo
for n in ns1 ns2; do ip -n $n link set lo up; done
ip -n ns1 link set sim0 up
ip -n ns2 link set sim1 up
ip -n ns1 route add 192.168.2.0/24 dev sim0 src 192.168.1.1
ip -n ns2 route add 192.168.1.0/24 dev sim1 src 192.168.2.1
ip -n ns1 route add fd02::/64 dev sim0 src fd01::1
ip -n ns2 route add fd01::/64 dev sim1 src fd02::1

K12=0x0102030405060708090a0b0c0d0e0f1011121314
K21=0x2122232425262728292a2b2c2d2e2f3031323334
K256=0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223
# sa_pair MODE A B SPI_AB SPI_BA REQID KEY_AB KEY_BA [SEL_A SEL_B]
sa_pair() {
	m=$1 a=$2 b=$3 s1=$4 s2=$5 r=$6 k1=$7 k2=$8 sa=${9:-$2} sb=${10:-$3}
	for n in ns1 ns2; do
		ip -n $n xfrm state add src $a dst $b proto esp spi $s1 reqid $r \
			replay-window 32 mode $m aead 'rfc4106(gcm(aes))' $k1 128 || return 1
		ip -n $n xfrm state add src $b dst $a proto esp spi $s2 \
			reqid $((r + 1)) replay-window 32 mode $m \
			aead 'rfc4106(gcm(aes))' $k2 128 || return 1
	done
	t1="tmpl src $a dst $b proto esp reqid $r mode $m"
	t2="tmpl src $b dst $a proto esp reqid $((r + 1)) mode $m"
	ip -n ns1 xfrm policy add src $sa dst $sb dir out $t1 &&
	ip -n ns1 xfrm policy add src $sb dst $sa dir in $t2 &&
	ip -n ns2 xfrm policy add src $sb dst $sa dir out $t2 &&
	ip -n ns2 xfrm policy add src $sa dst $sb dir in $t1 &&
	{ [ $m = transport ] || {
		ip -n ns1 xfrm policy add src $sb dst $sa dir fwd $t2 &&
		ip -n ns2 xfrm policy add src $sa dst $sb dir fwd $t1; }; }
}
check "transport IPv4 SAs" sa_pair transport 10.0.0.1 10.0.0.2 0x1001 0x2002 1 $K12 $K21
check "transport IPv6 SAs" sa_pair transport fd00::1 fd00::2 0x3003 0x4004 3 $K12 $K21
check "tunnel IPv4 SAs (AES-256)" sa_pair tunnel 10.0.0.1 10.0.0.2 0x5005 0x6006 5 $K256 $K256 \
	192.168.1.0/24 192.168.2.0/24
check "tunnel IPv6 SAs" sa_pair tunnel fd00::1 fd00::2 0x7007 0x8008 7 $K12 $K21 \
	fd01::/64 fd02::/64

offload() {	# FAMILY DADDR SPI DIR
	$NS1 ipso_genl offload $1 $2 $3 sim0 $4 >/dev/null
}
i=0
until $NS1 ipso_genl devices 2>/dev/null | grep -q 'name=sim0 backend=sim'; do
	i=$((i + 1))
	[ $i -gt 50 ] && break
	sleep 0.1
done
for x in "4 10.0.0.2 0x1001 out" "4 10.0.0.1 0x2002 in" \
	"6 fd00::2 0x3003 out" "6 fd00::1 0x4004 in" \
	"4 10.0.0.2 0x5005 out" "4 10.0.0.1 0x6006 in" \
	"6 fd00::2 0x7007 out" "6 fd00::1 0x8008 in"; do
	check "offload $x" offload $x
done
i=0
while [ "$($NS1 ipso_genl dump | grep -c 'state=offloaded')" -lt 8 ] && [ $i -lt 100 ]; do
	i=$((i + 1))
	sleep 0.1
done
n=$($NS1 ipso_genl dump | grep -c 'state=offloaded')
[ "$n" -eq 8 ] && ok "8 SAs offloaded on sim0" || bad "$n of 8 SAs offloaded"

# The wire seen from sim1: what sim0 sent (in) and what ns2 sent (out).
# (Capturing on sim0 would show the plaintext the host hands the NIC.)
capture_start "$NS2" sim1 /run/in.pcap '' in
capture_start "$NS2" sim1 /run/out.pcap '' out
capture_ready
for dst in 10.0.0.2 fd00::2 192.168.2.1 fd02::1; do
	check "ping ns1 -> $dst" $NS1 ping -c 2 -W 3 $dst
done
for dst in 10.0.0.1 fd00::1 192.168.1.1 fd01::1; do
	check "ping ns2 -> $dst" $NS2 ping -c 2 -W 3 $dst
done
udp() {	# FROM TO ADDR TAG
	$2 netprobe udp-recv 5000 5 1 >/run/udp.out 2>&1 &
	r=$!
	sleep 0.3
	$1 netprobe udp-send $3 5000 $4 >/dev/null 2>&1
	wait $r
	grep -q $4 /run/udp.out
}
check "UDP ns1 -> ns2 transport v6" udp "$NS1" "$NS2" fd00::2 t6-out
check "UDP ns2 -> ns1 tunnel v4" udp "$NS2" "$NS1" 192.168.1.1 tun4-in
tcp() {	# FROM TO ADDR BYTES
	$2 netprobe tcp-recv 6000 30 >/run/tcp.out 2>&1 &
	r=$!
	sleep 0.3
	$1 netprobe tcp-send $3 6000 $4 >/dev/null 2>&1
	wait $r && grep -q "received $4 bytes" /run/tcp.out
}
check "TCP 2 MB ns1 -> ns2 transport v4" tcp "$NS1" "$NS2" 10.0.0.2 2000000
check "TCP 2 MB ns2 -> ns1 transport v4" tcp "$NS2" "$NS1" 10.0.0.1 2000000
check "TCP 1 MB ns1 -> ns2 tunnel v4" tcp "$NS1" "$NS2" 192.168.2.1 1000000
check "TCP 1 MB ns2 -> ns1 tunnel v6" tcp "$NS2" "$NS1" fd01::1 1000000
capture_stop
capture_text /run/in.pcap >/run/in.txt
capture_text /run/out.pcap >/run/out.txt
for spi in 1001 3003 5005 7007; do
	c=$(grep -c "ESP(spi=0x0000$spi" /run/in.txt)
	[ "$c" -gt 0 ] && ok "wire from sim0: ESP spi 0x$spi ($c frames)" ||
		bad "wire from sim0: no ESP with spi 0x$spi"
done
for spi in 2002 4004 6006 8008; do
	c=$(grep -c "ESP(spi=0x0000$spi" /run/out.txt)
	[ "$c" -gt 0 ] && ok "wire from sim1: ESP spi 0x$spi ($c frames)" ||
		bad "wire from sim1: no ESP with spi 0x$spi"
done
plain='ICMP echo|ICMP6, echo|UDP|Flags \['
inner='192\.168\.[12]\.1|fd0[12]::1'
grep -v ESP /run/in.txt | grep -E "$plain" | grep -vE "$inner" >/run/plain.txt
[ -s /run/plain.txt ] && { bad "plaintext from sim0 on the wire"; head -n 5 /run/plain.txt; } ||
	ok "no plaintext ICMP/UDP/TCP from sim0 between the link addresses"
# ns2 re-injects what its software decapsulates from tunnel ESP on sim1,
# so sim1's ingress shows one inner frame per tunnel ESP frame; a leak by
# sim0 would add frames.
ni=$(grep -v ESP /run/in.txt | grep -E "$plain" | grep -cE "$inner")
ne=$(grep -cE 'ESP\(spi=0x0000(5005|7007)' /run/in.txt)
echo "  sim1 ingress: $ni inner plaintext frames, $ne tunnel ESP frames"
[ "$ni" -le "$ne" ] && ok "tunnel mode: no inner plaintext beyond what ns2 decapsulated" ||
	bad "tunnel mode: more inner plaintext frames than tunnel ESP frames"
grep -v ESP /run/out.txt | grep -E "$plain" | grep -vE "$inner" >/run/plain2.txt
[ -s /run/plain2.txt ] && bad "plaintext from sim1 on the wire" ||
	ok "no plaintext from the software peer either"
awk '$1 ~ /^(tx_|rx_)/' $D | tr '\n' ' '
echo

# Our HW counters against the peer's software SA, per SA.
ours() {	# SPI FIELD
	awk -v s="spi 0x0000$1" -v f=$2 'index($0, s) {
		for (i = 1; i < NF; i++) if ($i == f) print $(i + 1) }' $D
}
peer() {	# SRC DST SPI -> "BYTES PACKETS"
	ip -n ns2 -s xfrm state get src $1 dst $2 proto esp spi $3 |
		sed -n 's/^[[:space:]]*\([0-9]*\)(bytes), \([0-9]*\)(packets).*/\1 \2/p' |
		head -n 1
}
same() {	# SRC DST SPI
	p=$(peer $1 $2 0x$3)
	o="$(ours $3 bytes) $(ours $3 packets)"
	echo "  spi 0x$3: ours (bytes packets) $o, peer $p"
	[ "$o" = "$p" ] && [ "${p%% *}" -gt 0 ]
}
check "counters 0x1001 (transport v4 out) equal the peer's" same 10.0.0.1 10.0.0.2 1001
check "counters 0x2002 (transport v4 in) equal the peer's" same 10.0.0.2 10.0.0.1 2002
check "counters 0x3003 (transport v6 out) equal the peer's" same fd00::1 fd00::2 3003
check "counters 0x5005 (tunnel v4 out) equal the peer's" same 10.0.0.1 10.0.0.2 5005
check "counters 0x8008 (tunnel v6 in) equal the peer's" same fd00::2 fd00::1 8008

# Replay and tamper on the wire: the copy reaches sim0, never the socket.
inject() {	# replay|tamper TAG
	$NS1 netprobe udp-recv 5001 4 5 >/run/inj.out 2>&1 &
	r=$!
	$NS2 esp_inject sim1 0x2002 $1 8 >/run/inj.log 2>&1 &
	j=$!
	sleep 0.5
	$NS2 netprobe udp-send 10.0.0.1 5001 $2 >/dev/null 2>&1
	wait $j
	jrc=$?
	wait $r
	cat /run/inj.log
	[ $jrc -eq 0 ] && [ "$(grep -c $2 /run/inj.out)" -eq 1 ]
}
check "replayed ESP copy is not delivered (datagram seen once)" inject replay replay-me
check "replay counted on SA 0x2002" [ "$(ours 2002 replay_drop)" -ge 1 ]
check "tampered ESP copy is not delivered (datagram seen once)" inject tamper tamper-me
check "ICV failure counted on SA 0x2002" [ "$(ours 2002 auth_fail)" -ge 1 ]
sed -n 's/^sa .*spi 0x00002002/  &/p' $D

ip netns del ns1
ip netns del ns2
sleep 0.5
check "rmmod simulated NIC" rmmod ipsec_sim
check "rmmod bridge" rmmod ipsec_offload
finish
