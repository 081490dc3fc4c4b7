#!/bin/sh
# A soft byte limit on a crypto-offloaded SA fires where it fires in
# software, and the kernel counts each packet once (docs/kmod.md, "The
# xfrmdev backend"): in crypto mode the kernel keeps the lifetime
# counters itself, so a driver stats hook that added its own counts
# would expire the SA early.  Two SA pairs, identical but for addresses
# and SPIs, one bound to the simulated NIC (crypto mode, mlx5e's
# contract) by the bridge's xfrmdev backend, its twin in software.  One
# ping at a time goes through both; after each, the byte counters of
# twin SAs must be equal, and each SA's soft expire (XFRM_MSG_EXPIRE,
# hard 0) must come after the same ping as its twin's.  Both directions:
# the NIC encrypts the requests and decrypts the replies.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
offload_require_modules
use_test_bins ipso_genl
load_stock_modules
check "ESP offload types, the bridge with the xfrmdev backend, the sim in crypto mode" \
	crypto_mode_modules
check "crypto-mode pair ns1:sim0 <-> ns2:sim1" ns_pair_sim ipv4-only
ip -n ns1 addr add 10.0.1.1/24 dev sim0
ip -n ns2 addr add 10.0.1.2/24 dev sim1
check "the bridge's xfrmdev backend claimed sim0" bridge_lists sim0 xfrmdev

# 1000 bytes: a 100-byte ping counts 128, so the limit falls mid-run.
SOFT=1000
check "offloaded pair 0x1001/0x2002, soft byte limit $SOFT" \
	xfrm_pair transport 10.0.0.1 10.0.0.2 0x1001 0x2002 1 $K12 $K21 \
	-- replay-window 32 limit byte-soft $SOFT
check "software twin 0x3003/0x4004, soft byte limit $SOFT" \
	xfrm_pair transport 10.0.1.1 10.0.1.2 0x3003 0x4004 3 $K12 $K21 \
	-- replay-window 32 limit byte-soft $SOFT
offload_on_sim0 "4 10.0.0.2 0x1001 out" "4 10.0.0.1 0x2002 in"
check "both offloaded" wait_bridge_offloaded 2

# Bytes the kernel counted on ns1's SA.  sa_bytes SPI(8 hex digits)
sa_bytes() {
	ip -n ns1 -s xfrm state | awk -v spi="$1" '
		$1 == "proto" && index($4, spi "(") == 1 { f = 1 }
		f && /lifetime current:/ { getline; sub(/\(bytes\),?/, "", $1); print $1; exit }'
}
# not the ip() wrapper: kill must reach the monitor, which pins ns1
/usr/sbin/ip -n ns1 xfrm monitor expire >/run/expire.log 2>&1 &
mon=$!
sleep 0.3
expired() { grep -q "spi 0x0000$1 " /run/expire.log; }

fired_1001= fired_3003= fired_2002= fired_4004= unequal=0 due=
i=0
while [ $i -lt 14 ]; do
	i=$((i + 1))
	$NS1 ping -c 1 -W 2 -s 100 10.0.0.2 >/dev/null || bad "ping $i (offloaded)"
	$NS1 ping -c 1 -W 2 -s 100 10.0.1.2 >/dev/null || bad "ping $i (software)"
	sleep 0.3
	for s in 1001 3003 2002 4004; do
		eval "f=\$fired_$s"
		[ -z "$f" ] && expired $s && eval "fired_$s=$i"
	done
	o=$(sa_bytes 0x00001001) t=$(sa_bytes 0x00003003)
	oi=$(sa_bytes 0x00002002) ti=$(sa_bytes 0x00004004)
	echo "  after ping $i: out $o / $t bytes, in $oi / $ti bytes (offloaded / software)"
	[ "$o" = "$t" ] && [ "$oi" = "$ti" ] || unequal=$((unequal + 1))
	# the kernel checks the limit before it counts a packet: the one
	# after the ping that reached it is the first to see it reached
	[ -z "$due" ] && [ "${t:-0}" -ge $SOFT ] && due=$((i + 1))
done
kill $mon 2>/dev/null
wait $mon 2>/dev/null
sed 's/^/  monitor: /' /run/expire.log | grep -E 'Expired|spi|hard' | head -n 12
echo "  soft expire after ping: out ${fired_1001:-never} / ${fired_3003:-never}," \
	"in ${fired_2002:-never} / ${fired_4004:-never} (offloaded / software);" \
	"due after ping ${due:-?}"
check "the NIC encrypted and decrypted the offloaded pings" sh -c \
	"[ $(sim_stat tx_encrypted) -ge 14 ] && [ $(sim_stat rx_decrypted) -ge 14 ]"
check "twin SAs counted the same bytes after every ping" [ "$unequal" -eq 0 ]
check "the software SAs' soft limits fired (the reference)" \
	[ -n "$fired_3003" -a -n "$fired_4004" ]
check "software: soft expire after the ping due by the byte count" \
	[ "${fired_3003:-x}" = "${due:-y}" -a "${fired_4004:-x}" = "${due:-y}" ]
check "outbound: soft expire after the same ping as in software" \
	[ "${fired_1001:-x}" = "${fired_3003:-y}" ]
check "inbound: soft expire after the same ping as in software" \
	[ "${fired_2002:-x}" = "${fired_4004:-y}" ]
check "the offloaded SAs stay offloaded (soft is not hard)" \
	[ "$(bridge_offloaded_count)" -eq 2 ]

offload_teardown
check "rmmod esp4_offload esp6_offload" rmmod_when_free esp4_offload esp6_offload
finish
