#!/bin/sh
# gen_spd.sh SIZE SEED: `ip -batch` lines for SIZE IPv4 output policies
# with mixed prefix lengths (/8, /16, /24, /32 on each side), alternating
# allow and block, none of which matches 198.18.0.0/15 (the benchmark
# flow), so the lookup walks the whole SPD and the packet is still sent.
# Deterministic for a given SEED.
set -eu
size=$1
seed=$2
awk -v n="$size" -v seed="$seed" 'BEGIN {
	srand(seed)
	split("8 16 24 32", lens, " ")
	for (i = 0; i < n; i++) {
		# first octet 1..197: never 198.18/15
		s = sprintf("%d.%d.%d.%d/%d", 1 + int(rand() * 197), int(rand() * 256),
			int(rand() * 256), int(rand() * 256), lens[1 + int(rand() * 4)])
		d = sprintf("%d.%d.%d.%d/%d", 1 + int(rand() * 197), int(rand() * 256),
			int(rand() * 256), int(rand() * 256), lens[1 + int(rand() * 4)])
		act = (i % 2) ? "block" : "allow"
		printf "xfrm policy add src %s dst %s dir out priority %d action %s\n",
			s, d, 1000 + i, act
	}
}'
