#!/bin/sh
# plot.sh RESULTS PNG: per-packet cost (ns) against SPD size, one line per
# benchmark series ("name" plus "case" when present), log-log.
set -eu
results=$1
png=$2
dat=$(mktemp -d)
trap 'rm -rf "$dat"' EXIT
awk -v dir="$dat" '
/^bench: / {
	name = ""; kase = ""; spd = ""; ns = ""
	for (i = 2; i <= NF; i++) {
		split($i, kv, "=")
		if (kv[1] == "name") name = kv[2]
		else if (kv[1] == "case") kase = kv[2]
		else if (kv[1] == "spd") spd = kv[2]
		else if (kv[1] == "ns_per_pkt") ns = kv[2]
	}
	if (name == "" || spd == "" || ns == "") next
	series = name (kase != "" ? "-" kase : "")
	# log scale: SPD size 0 is drawn at 0.5
	print (spd == 0 ? 0.5 : spd), ns >> (dir "/" series ".dat")
}' "$results"
set -- "$dat"/*.dat
[ -e "$1" ] || { echo "plot: no per-packet series in $results" >&2; exit 0; }
plots=
for f in "$@"; do
	t=$(basename "$f" .dat)
	plots="$plots${plots:+, }'$f' using 1:2 with linespoints title '$t'"
done
gnuplot <<EOG
set terminal png size 1100,650 noenhanced
set output '$png'
set title 'ipsec-offload: per-packet cost against SPD size'
set xlabel 'policies in the SPD (0 drawn at 0.5)'
set ylabel 'ns per packet'
set logscale xy
set key outside right
set grid
plot $plots
EOG
echo "plot: ${png#"$PWD"/}"
