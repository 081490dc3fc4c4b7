#!/bin/sh
# Benchmark (not a test): forwarding through the gateway of
# test_fastpath_gateway.sh, the kernel's path against the XDP fast path,
# in the same boot, with 0, 1k and 10k extra outbound policies in the
# gateway's SPD (bench/gen_spd.sh: none matches the flow, all of lower
# precedence).  A flood of N datagrams from ns0: the sender's loop runs
# the forwarding, the NIC's encryption and the peer's decryption in its
# own softirqs, so its wall time per datagram is what one costs end to
# end; the two paths differ only in the gateway's forwarding.  Prints
# one "bench:" line per (SPD size, path) and the ratio.  TCG: compare
# the ratios, not the microseconds.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
offload_require
use_test_bins netprobe
load_stock_modules
offload_modules poll_ms=1000 || exit 1
N=${N:-3000}
port=6000

flood() {	# PATH SPD: one "bench:" line; $us holds the cost
	port=$((port + 1))
	$NS2 netprobe udp-count $port 2 >/run/flood.out &
	r=$!
	udp_wait_bound ns2 $port || return 1
	t0=$(cut -d' ' -f1 /proc/uptime)
	$NS0 netprobe udp-pace --no-csum 192.168.2.1 $port "$N" 0 >/dev/null
	t1=$(cut -d' ' -f1 /proc/uptime)
	wait $r
	got=$(sed -n 's/.*received \([0-9]*\) .*/\1/p' /run/flood.out)
	us=$(echo "$t0 $t1" | awk -v n="$N" '{ printf "%.1f", ($2 - $1) * 1e6 / n }')
	echo "bench: name=gateway_forward path=$1 spd=$2 datagrams=$N received=${got:-0} us_per_datagram=$us (guest, TCG)"
}

run() {	# SPD
	ns_pair_sim ipv4-only && fastpath_gateway && fastpath_tunnel || return 1
	if [ "$1" -gt 0 ]; then
		sh /opt/ipso/bench/gen_spd.sh "$1" 7 >/run/spd.batch
		ip -n ns1 -batch /run/spd.batch || return 1
	fi
	loader attach sim0 >/dev/null && daemon_start && wait_offloaded 2 600 ||
		return 1
	$NS0 ping -c 2 -W 3 192.168.2.1 >/dev/null || return 1
	flood kernel "$1"
	k=$us
	loader attach veth1 fastpath >/dev/null || return 1
	flood fastpath "$1"
	echo "$k $us" | awk -v s="$1" '{ printf "bench: name=gateway_forward_ratio spd=%d kernel_over_fastpath=%.2f\n", s, $1 / $2 }'
	loader detach veth1 >/dev/null
	daemon_stop >/dev/null
	ip netns del ns0
	ip netns del ns1
	ip netns del ns2
	sleep 1
}
for spd in 0 1000 10000; do
	run $spd || echo "bench: name=gateway_forward spd=$spd status=failed"
done
rmmod ipsec_sim
rmmod ipsec_offload
