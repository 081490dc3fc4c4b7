#!/bin/sh
# Simulated NIC with extended sequence numbers against stock kernel ESN
# (docs/sim-nic.md).  Both SAs start 16 packets below 2^32, so the
# traffic crosses into the high word: the NIC must put seq_hi into the
# AAD on transmit (RFC 4106 §5) and infer it on receive (RFC 4303 A2.2),
# and it must continue the kernel's sequence numbers, not restart at 1.
. /opt/ipso/tests/guest/lib.sh
KO=$IPSO/kmod/mlx5_ipsec/ipsec_offload.ko
SIMKO=$IPSO/kmod/ipsec_sim/ipsec_sim.ko
[ -f "$KO" ] || skip "ipsec_offload.ko not built"
[ -f "$SIMKO" ] || skip "ipsec_sim.ko not built"
PATH=$IPSO/bin:$PATH
command -v ipso_genl >/dev/null || skip "tests/bin/ipso_genl not built"
load_stock_modules
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
for n in ns1 ns2; do ip -n $n link set lo up; done
ip -n ns1 link set sim0 up
ip -n ns2 link set sim1 up

K12=0x0102030405060708090a0b0c0d0e0f1011121314
K21=0x2122232425262728292a2b2c2d2e2f3031323334
esn() {	# NS SRC DST SPI REQID KEY
	ip -n $1 xfrm state add src $2 dst $3 proto esp spi $4 reqid $5 \
		mode transport aead 'rfc4106(gcm(aes))' $6 128 \
		replay-window 64 flag esn \
		replay-oseq 0xfffffff0 replay-seq 0xffffffe0
}
for n in ns1 ns2; do
	check "ESN SA 0x1001 in $n" esn $n 10.0.0.1 10.0.0.2 0x1001 1 $K12
	check "ESN SA 0x2002 in $n" esn $n 10.0.0.2 10.0.0.1 0x2002 2 $K21
done
t1="tmpl src 10.0.0.1 dst 10.0.0.2 proto esp reqid 1 mode transport"
t2="tmpl src 10.0.0.2 dst 10.0.0.1 proto esp reqid 2 mode transport"
ip -n ns1 xfrm policy add src 10.0.0.1 dst 10.0.0.2 dir out $t1
ip -n ns1 xfrm policy add src 10.0.0.2 dst 10.0.0.1 dir in $t2
ip -n ns2 xfrm policy add src 10.0.0.2 dst 10.0.0.1 dir out $t2
ip -n ns2 xfrm policy add src 10.0.0.1 dst 10.0.0.2 dir in $t1

i=0
until $NS1 ipso_genl devices 2>/dev/null | grep -q 'name=sim0 backend=sim'; do
	i=$((i + 1))
	[ $i -gt 50 ] && break
	sleep 0.1
done
check "offload 0x1001 out" $NS1 ipso_genl offload 4 10.0.0.2 0x1001 sim0 out
check "offload 0x2002 in" $NS1 ipso_genl offload 4 10.0.0.1 0x2002 sim0 in
i=0
while [ "$($NS1 ipso_genl dump | grep -c 'state=offloaded')" -lt 2 ] && [ $i -lt 100 ]; do
	i=$((i + 1))
	sleep 0.1
done
check "NIC took both ESN SAs" sh -c "grep -c 'esn 1' $D | grep -qx 2"

udp() {	# FROM TO ADDR PORT TAG
	$2 netprobe udp-recv $4 10 40 >/run/udp.$4 2>&1 &
	r=$!
	sleep 0.3
	$1 netprobe udp-send $3 $4 $5 40 >/dev/null 2>&1
	wait $r
	n=$(grep -c $5 /run/udp.$4)
	echo "  $5: $n of 40 datagrams"
	[ "$n" -eq 40 ]
}
check "40 datagrams ns1 -> ns2 across 2^32 (NIC encrypts)" udp "$NS1" "$NS2" 10.0.0.2 5000 esn-out
check "40 datagrams ns2 -> ns1 across 2^32 (NIC decrypts)" udp "$NS2" "$NS1" 10.0.0.1 5001 esn-in
sed -n 's/^sa .*spi 0x0000\(1001\|2002\)/  &/p' $D
field() {	# SPI NAME
	awk -v s="spi 0x0000$1" -v f=$2 'index($0, s) {
		for (i = 1; i < NF; i++) if ($i == f) print $(i + 1) }' $D
}
check "TX sequence continued the kernel's and passed 2^32" \
	[ "$(field 1001 oseq)" -gt 4294967296 ]
check "RX window top passed 2^32" [ "$(field 2002 rx_top)" -gt 4294967296 ]
check "no ICV failures, no replay drops" \
	[ "$(field 2002 auth_fail)$(field 2002 replay_drop)" = 00 ]
peer=$(ip -n ns2 -s xfrm state get src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1001)
echo "$peer" | grep -i 'esn\|seq' | sed 's/^/  peer: /'
check "peer's ESN context moved to seq-hi 1" sh -c "echo '$peer' | grep -q 'seq-hi 0x1'"

ip netns del ns1
ip netns del ns2
sleep 0.5
check "rmmod simulated NIC" rmmod ipsec_sim
check "rmmod bridge" rmmod ipsec_offload
finish
