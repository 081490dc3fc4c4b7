#!/bin/sh
# Native XDP on the simulated NIC's host end (docs/sim-nic.md): a test
# program (tests/sim/xdp_meta.bpf.c) counts struct ipso_xdp_meta as the
# NIC fills it: DECRYPTED frames (transport and tunnel) with the handle,
# REPLAY and AUTH_FAIL syndromes for a replayed and a tampered packet
# (which are dropped whatever the program says), no metadata on frames the
# NIC did not decrypt; XDP_TX bounces a frame back onto the wire.  The
# peer end refuses native XDP.
. /opt/ipso/tests/guest/lib.sh
KO=$IPSO/kmod/mlx5_ipsec/ipsec_offload.ko
SIMKO=$IPSO/kmod/ipsec_sim/ipsec_sim.ko
OBJ=$IPSO/tests/bin/xdp_meta.bpf.o
[ -f "$KO" ] || skip "ipsec_offload.ko not built"
[ -f "$SIMKO" ] || skip "ipsec_sim.ko not built"
[ -f "$OBJ" ] || skip "tests/bin/xdp_meta.bpf.o not built"
PATH=$IPSO/bin:$PATH
command -v ipso_genl >/dev/null || skip "tests/bin/ipso_genl not built"
command -v esp_inject >/dev/null || skip "tests/bin/esp_inject not built"
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
ip -n ns1 addr add 10.0.1.1/24 dev sim0
ip -n ns2 addr add 10.0.1.2/24 dev sim1
ip -n ns1 addr add 192.168.1.1/32 dev lo
ip -n ns2 addr add 192.168.2.1/32 dev lo
for n in ns1 ns2; do ip -n $n link set lo up; done
ip -n ns1 link set sim0 up
ip -n ns2 link set sim1 up
ip -n ns1 route add 192.168.2.0/24 dev sim0 src 192.168.1.1
ip -n ns2 route add 192.168.1.0/24 dev sim1 src 192.168.2.1

K12=0x0102030405060708090a0b0c0d0e0f1011121314
K21=0x2122232425262728292a2b2c2d2e2f3031323334
for n in ns1 ns2; do
	for m in "transport 0x1001 0x2002 1" "tunnel 0x5005 0x6006 5"; do
		set -- $m
		ip -n $n xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi $2 \
			reqid $4 replay-window 32 mode $1 aead 'rfc4106(gcm(aes))' $K12 128
		ip -n $n xfrm state add src 10.0.0.2 dst 10.0.0.1 proto esp spi $3 \
			reqid $(($4 + 1)) replay-window 32 mode $1 aead 'rfc4106(gcm(aes))' $K21 128
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
n=$($NS1 ipso_genl dump | grep -c 'state=offloaded')
[ "$n" -eq 4 ] && ok "4 SAs offloaded on sim0" || bad "$n of 4 SAs offloaded"

check "native XDP on the host end" ip -n ns1 link set dev sim0 xdpdrv obj $OBJ sec xdp
ip -n ns1 link show dev sim0 | grep -q 'xdp' && ok "sim0 shows the XDP program" ||
	bad "no XDP program on sim0"
ip -n ns2 link set dev sim1 xdpdrv obj $OBJ sec xdp 2>/dev/null &&
	bad "the peer end accepted native XDP" || ok "the peer end refuses native XDP"

check "ping ns2 -> ns1 transport (NIC decrypts)" $NS2 ping -c 3 -W 3 10.0.0.1
check "ping ns2 -> ns1 tunnel (NIC decrypts)" $NS2 ping -c 3 -W 3 192.168.1.1
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
	[ $jrc -eq 0 ] && [ "$(grep -c $2 /run/inj.out)" -eq 1 ]
}
check "replayed copy shown to XDP, not delivered" inject replay xdp-replay
check "tampered copy shown to XDP, not delivered" inject tamper xdp-tamper

seen() {	# INDEX -> value
	bpftool -j map lookup name sim_meta_seen key $1 0 0 0 |
		sed -n 's/.*"formatted":{"key":[0-9]*,"value":\([0-9]*\)}.*/\1/p'
}
for k in 0 1 2 3 4 5 6 7; do eval "v$k=\$(seen $k)"; done
echo "  XDP saw: no-meta=$v0 ok=$v1 auth_fail=$v2 replay=$v3 other=$v4 bad-magic=$v5 tunnel=$v6 last-handle=$v7"
check "XDP saw decrypted frames with metadata (>= 8)" [ "${v1:-0}" -ge 8 ]
check "XDP saw the TUNNEL flag (>= 3)" [ "${v6:-0}" -ge 3 ]
check "XDP saw the AUTH_FAIL syndrome" [ "${v2:-0}" -ge 1 ]
check "XDP saw the REPLAY syndrome" [ "${v3:-0}" -ge 1 ]
check "XDP saw frames without metadata (ARP, plain)" [ "${v0:-0}" -ge 1 ]
check "metadata magic always right" [ "${v5:-1}" -eq 0 ]
check "metadata carried a handle" [ "${v7:-0}" -ge 1 ]
awk '$1 ~ /^xdp_/' $D | tr '\n' ' '
echo
check "NIC counted XDP passes" [ "$(awk '$1 == "xdp_pass" { print $2 }' $D)" -ge 8 ]

# XDP_TX: the program bounces plain UDP starting with 'T' back to sim1.
check "switch the program's bounce on" \
	bpftool map update name sim_meta_seen key 8 0 0 0 value 1 0 0 0 0 0 0 0
capture_start "$NS2" sim1 /run/bounce.pcap 'udp port 7777' in
capture_ready
tx0=$(awk '$1 == "xdp_tx" { print $2 }' $D)
$NS2 netprobe udp-send 10.0.1.1 7777 Tbounce >/dev/null 2>&1
sleep 0.5
capture_stop
capture_text /run/bounce.pcap | sed 's/^/  bounced: /'
check "XDP_TX counted by the NIC" [ "$(awk '$1 == "xdp_tx" { print $2 }' $D)" -gt "$tx0" ]
check "the bounced frame came back in on sim1" \
	sh -c "/usr/bin/tcpdump -Z root -n -r /run/bounce.pcap 2>/dev/null | grep -q '10.0.1.2.* > 10.0.1.1.7777'"
check "the program counted the bounce" [ "$(seen 9)" -ge 1 ]

check "detach XDP" ip -n ns1 link set dev sim0 xdpdrv off
check "ping ns2 -> ns1 after detach" $NS2 ping -c 2 -W 3 10.0.0.1

ip netns del ns1
ip netns del ns2
sleep 0.5
check "rmmod simulated NIC" rmmod ipsec_sim
check "rmmod bridge" rmmod ipsec_offload
finish
