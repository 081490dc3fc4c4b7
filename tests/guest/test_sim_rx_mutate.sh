#!/bin/sh
# Mutated ESP from the peer into the simulated NIC's receive path, which
# owns the inbound SA.  `esp_inject ... mutate` takes the peer's ESP
# packet of one datagram and puts thousands of mutated copies of it on
# the wire: fresh and edge sequence numbers (0, 2^32 - 1), bits flipped
# in IV, ciphertext and ICV or in the IP header, cuts anywhere, garbage
# after it, IPv4 options, fragment fields, IPv6 extension headers,
# numbers at the replay window's and (IPv6 SA: ESN) the ESN inference's
# edges, wrapped in UDP 4500.  None of
# them is a valid new packet of the SA (the ICV covers SPI and sequence
# number; the rest is a replay or malformed), so the datagram must
# arrive exactly once, the NIC and the kernel must count the rest as
# drops, and both directions must work afterwards.  No oops, no warning
# (and, in the debug tier, no KASAN, lockdep or kmemleak report).
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
use_test_bins ipso_genl netprobe esp_inject
COUNT=${COUNT:-3000}
SEED=${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
sim_test_start

check "IPv4 SAs" xfrm_pair transport 10.0.0.1 10.0.0.2 0x1001 0x2002 1 $K12 $K21 \
	-- replay-window 32
# IPv6 with ESN and a wider window: the mutants' window and ESN edges
check "IPv6 SAs (ESN, window 128)" xfrm_pair transport fd00::1 fd00::2 0x3003 0x4004 3 \
	$K12 $K21 -- replay-window 128 flag esn
offload_on_sim0 "4 10.0.0.1 0x2002 in" "6 fd00::1 0x4004 in"
check "both inbound SAs OFFLOADED" wait_bridge_offloaded 2

nic_drops() {
	local s=0 k
	for k in rx_no_sa rx_auth_fail rx_replay rx_bad_trailer rx_drop_error; do
		s=$((s + $(sim_stat $k)))
	done
	echo $s
}
# mutants_once ADDR SPI TAG: ns2 sends TAG to ADDR:5001 while esp_inject
# on sim1 sends COUNT mutants of its ESP; TAG must arrive once.
mutants_once() {
	local r j jrc
	$NS1 netprobe udp-recv 5001 6 5 >/run/mut.out 2>&1 & r=$!
	$NS2 esp_inject sim1 "$2" mutate 8 "$COUNT" "$SEED" >/run/mut.log 2>&1 & j=$!
	sleep 0.5
	$NS2 netprobe udp-send "$1" 5001 "$3" >/dev/null 2>&1
	wait $j
	jrc=$?
	wait $r
	sed 's/^/  /' /run/mut.log
	echo "  delivered $(grep -c "$3" /run/mut.out) time(s)"
	[ $jrc -eq 0 ] && [ "$(grep -c "$3" /run/mut.out)" -eq 1 ]
}

echo "  seed $SEED, $COUNT mutants per family (SEED=... COUNT=... replay it)"
d0=$(nic_drops)
check "IPv4: $COUNT mutants, the datagram arrives once" \
	mutants_once 10.0.0.1 0x2002 mutant-v4
check "IPv6: $COUNT mutants, the datagram arrives once" \
	mutants_once fd00::1 0x4004 mutant-v6
d1=$(nic_drops)
echo "  NIC drops: $((d1 - d0)); kernel: $(nsenter --net=/run/netns/ns1 cat /proc/net/xfrm_stat | awk '$2 != 0 { printf "%s %s ", $1, $2 }')"
check "the NIC dropped mutants" [ $((d1 - d0)) -gt 0 ]
check "ping v4 both ways afterwards" $NS2 ping -c 2 -W 3 10.0.0.1
check "ping v6 both ways afterwards" $NS2 ping -c 2 -W 3 fd00::1

offload_teardown
finish
