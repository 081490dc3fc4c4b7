#!/bin/sh
# Native XDP on the simulated NIC's host end (docs/sim-nic.md): a test
# program (tests/sim/xdp_meta.bpf.c) counts struct ipso_xdp_meta as the
# NIC fills it: DECRYPTED frames (transport and tunnel) with the handle,
# REPLAY and AUTH_FAIL syndromes for a replayed and a tampered packet
# (which are dropped whatever the program says), no metadata on frames the
# NIC did not decrypt; XDP_TX bounces a frame back onto the wire.  The
# peer end refuses native XDP.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
OBJ=$IPSO/tests/bin/xdp_meta.bpf.o
offload_require_modules
[ -f "$OBJ" ] || skip "tests/bin/xdp_meta.bpf.o not built"
use_test_bins ipso_genl esp_inject
load_stock_modules
check "bridge and simulated NIC modules" offload_modules
D=$SIM_DEBUGFS/devices
ns_pair_sim ipv4-only
ip -n ns1 addr add 10.0.1.1/24 dev sim0
ip -n ns2 addr add 10.0.1.2/24 dev sim1
sim_inner_hosts

xfrm_pair transport 10.0.0.1 10.0.0.2 0x1001 0x2002 1 $K12 $K21 -- replay-window 32
xfrm_pair tunnel 10.0.0.1 10.0.0.2 0x5005 0x6006 5 $K12 $K21 \
	192.168.1.0/24 192.168.2.0/24 -- replay-window 32

check "the bridge lists sim0 (backend sim)" wait_for bridge_lists sim0 sim
offload_on_sim0 "4 10.0.0.2 0x1001 out" "4 10.0.0.1 0x2002 in" \
	"4 10.0.0.2 0x5005 out" "4 10.0.0.1 0x6006 in"
wait_bridge_offloaded 4
n=$(bridge_offloaded_count)
[ "$n" -eq 4 ] && ok "4 SAs offloaded on sim0" || bad "$n of 4 SAs offloaded"

check "native XDP on the host end" ip -n ns1 link set dev sim0 xdpdrv obj $OBJ sec xdp
ip -n ns1 link show dev sim0 | grep -q 'xdp' && ok "sim0 shows the XDP program" ||
	bad "no XDP program on sim0"
ip -n ns2 link set dev sim1 xdpdrv obj $OBJ sec xdp 2>/dev/null &&
	bad "the peer end accepted native XDP" || ok "the peer end refuses native XDP"

check "ping ns2 -> ns1 transport (NIC decrypts)" $NS2 ping -c 3 -W 3 10.0.0.1
check "ping ns2 -> ns1 tunnel (NIC decrypts)" $NS2 ping -c 3 -W 3 192.168.1.1
check "replayed copy shown to XDP, not delivered" inject_copy replay xdp-replay
check "tampered copy shown to XDP, not delivered" inject_copy tamper xdp-tamper

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
check "NIC counted XDP passes" [ "$(sim_stat xdp_pass)" -ge 8 ]

# XDP_TX: the program bounces plain UDP starting with 'T' back to sim1.
check "switch the program's bounce on" \
	bpftool map update name sim_meta_seen key 8 0 0 0 value 1 0 0 0 0 0 0 0
capture_start "$NS2" sim1 /run/bounce.pcap 'udp port 7777' in
capture_ready
tx0=$(sim_stat xdp_tx)
$NS2 netprobe udp-send 10.0.1.1 7777 Tbounce >/dev/null 2>&1
sleep 0.5
capture_stop
capture_text /run/bounce.pcap | sed 's/^/  bounced: /'
check "XDP_TX counted by the NIC" [ "$(sim_stat xdp_tx)" -gt "$tx0" ]
check "the bounced frame came back in on sim1" \
	sh -c "/usr/bin/tcpdump -Z root -n -r /run/bounce.pcap 2>/dev/null | grep -q '10.0.1.2.* > 10.0.1.1.7777'"
check "the program counted the bounce" [ "$(seen 9)" -ge 1 ]

# A packet whose ICV failed was decrypted in place: whatever the program
# answers, its unauthenticated plaintext must not go back on the wire.
check "switch the program to bounce AUTH_FAIL frames" \
	bpftool map update name sim_meta_seen key 8 0 0 0 value 2 0 0 0 0 0 0 0
capture_start "$NS2" sim1 /run/authfail.pcap 'udp port 5001' in
capture_ready
tx0=$(sim_stat xdp_tx)
check "tampered copy, XDP_TX asked: not delivered" inject_copy tamper xdp-tx-tamper
capture_stop
capture_text /run/authfail.pcap | sed 's/^/  came back: /'
check "no plaintext of a failed packet back on the wire" \
	[ "$(capture_text /run/authfail.pcap | grep -c .)" -eq 0 ]
check "the NIC sent no XDP_TX for it" [ "$(sim_stat xdp_tx)" -eq "$tx0" ]

check "detach XDP" ip -n ns1 link set dev sim0 xdpdrv off
check "ping ns2 -> ns1 after detach" $NS2 ping -c 2 -W 3 10.0.0.1

offload_teardown
finish
