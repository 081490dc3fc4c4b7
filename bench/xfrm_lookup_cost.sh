#!/bin/sh
# The kernel's own XFRM output-policy lookup cost, for comparison with the
# BPF classifier in the same run: UDP send cost in a fresh netns with
# 0, 1, 1k, 10k and 100k non-matching allow/block policies.
# (The host has no dummy module; a veth whose peer is down serves.)
# Output: one "bench: ..." line per size.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/bench/out/udp_send_cost
count=${IPSO_BENCH_SENDS:-200000}
sizes=${IPSO_BENCH_SPD_SIZES:-"0 1 1000 10000 100000"}
mkdir -p "$top/bench/out"
cc -O2 -Wall -Wextra -Werror -o "$bin" "$top/bench/udp_send_cost.c"

ns=ipso-bench-$$
trap 'ip netns del $ns 2>/dev/null || true' EXIT
base=
for size in $sizes; do
	ip netns add $ns
	# The peer stays down: veth drops at transmit, after the whole
	# output path (route, XFRM lookup, neighbour) has run.
	ip -n $ns link add bench0 type veth peer name bench1
	ip -n $ns link set bench0 up
	ip -n $ns addr add 198.18.0.1/15 dev bench0
	ip -n $ns neigh add 198.18.0.2 lladdr 02:00:00:00:00:02 dev bench0 nud permanent
	if [ "$size" -gt 0 ]; then
		"$top/bench/gen_spd.sh" "$size" 1 >"$top/bench/out/spd.$size"
		ip -n $ns -batch "$top/bench/out/spd.$size"
	fi
	got=$(ip -n $ns xfrm policy count 2>/dev/null |
		sed -n 's/.*OUT *\([0-9]*\).*/\1/p')
	# Fewer sends where each costs more, so every size takes ~1 s.
	n=$((count / (size / 1000 + 1)))
	[ $n -ge 1000 ] || n=1000
	ns_pp=$(ip netns exec $ns "$bin" 198.18.0.2 "$n" | sed 's/ns_per_pkt=//')
	[ -n "$base" ] || base=$ns_pp
	ratio=$(echo "$ns_pp $base" | awk '{ printf "%.2f", $1 / $2 }')
	echo "bench: name=kernel_xfrm_out_udp_send spd=$size policies_installed=${got:-?} ns_per_pkt=$ns_pp ratio_to_empty_spd=$ratio"
	ip netns del $ns
done
