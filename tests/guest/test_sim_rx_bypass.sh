#!/bin/sh
# While the NIC owns an inbound SA (packet mode), ESP for it that goes
# around the NIC must not be accepted against the kernel's stale replay
# window (docs/kmod.md, "RX guard").  The simulated NIC, like mlx5e,
# decrypts whole packets only: an IPv4 packet re-sent as two fragments,
# or an IPv6 one behind a destination-options header, reaches the
# kernel's xfrm_input() instead.  Each is a replay of a packet the NIC
# already delivered: it must not be delivered a second time.  The NIC
# hands the SA's window back to software first (docs/kmod.md, "RX
# guard"), and the kernel rejects the replay against it.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
use_test_bins ipso_genl netprobe esp_inject
sim_test_start

xfrm_pairs_v4_v6
offload_on_sim0 "4 10.0.0.1 0x2002 in" "6 fd00::1 0x4004 in"
check "both inbound SAs OFFLOADED" wait_bridge_offloaded 2

# copy_seen_once HOW ADDR SPI TAG: ns2 sends TAG to ADDR:5001 while
# esp_inject on sim1 re-sends its ESP as HOW; TAG must arrive once.
copy_seen_once() {
	local r j jrc
	$NS1 netprobe udp-recv 5001 4 5 >/run/inj.out 2>&1 & r=$!
	$NS2 esp_inject sim1 "$3" "$1" 8 >/run/inj.log 2>&1 & j=$!
	sleep 0.5
	$NS2 netprobe udp-send "$2" 5001 "$4" >/dev/null 2>&1
	wait $j
	jrc=$?
	wait $r
	sed 's/^/  /' /run/inj.log
	echo "  delivered $(grep -c "$4" /run/inj.out) time(s)"
	[ $jrc -eq 0 ] && [ "$(grep -c "$4" /run/inj.out)" -eq 1 ]
}
rx0=$(sim_stat rx_decrypted)
check "IPv4: a replay as two fragments is not delivered again" \
	copy_seen_once frag 10.0.0.1 0x2002 frag-me
check "IPv6: a replay behind a destination-options header is not delivered again" \
	copy_seen_once dstopt fd00::1 0x4004 dstopt-me
check "the NIC decrypted the originals" [ "$(sim_stat rx_decrypted)" -ge $((rx0 + 2)) ]
# Each packet around the NIC handed its SA back to software, which owns
# the one window from then on.
check "both inbound SAs handed back to software" wait_for sh -c \
	"[ \$($NS1 ipso_genl dump | grep -c 'state=') -eq 0 ]"
check "software: a fragmented replay is not delivered again" \
	copy_seen_once frag 10.0.0.1 0x2002 frag-sw
# ns2's link MTU below the datagram: its ESP leaves as IPv4 fragments.
big_one_delivered() {
	local r big
	big=$(printf '%01200d' 7)
	$NS1 netprobe udp-recv 5002 4 1 >/run/big.out 2>&1 & r=$!
	sleep 0.3
	ip -n ns2 link set sim1 mtu 600
	$NS2 netprobe udp-send 10.0.0.1 5002 "$big" >/dev/null 2>&1
	wait $r
	ip -n ns2 link set sim1 mtu 1500
	grep -q 0000007 /run/big.out
}
check "software: fragmented ESP of a new packet is delivered" big_one_delivered

offload_teardown
finish
