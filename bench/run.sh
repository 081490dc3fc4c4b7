#!/bin/sh
# make bench: every benchmark in one run, so ratios compare like with
# like.  Prints machine-readable "bench: key=value ..." lines, keeps them
# in bench/out/results.txt and plots per-packet cost against SPD size in
# bench/out/spd_cost.png.  Figures, not tests: nothing here passes or fails
# on a number.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench/out
mkdir -p "$out"
results=$out/results.txt
: >"$results"
t0=$(date +%s)

part() {	# TITLE COMMAND...
	title=$1
	shift
	echo "== $title"
	if "$@" 2>"$out/stderr.log" | tee -a "$results"; then
		:
	else
		echo "bench: part=\"$title\" status=failed (see bench/out/stderr.log)" |
			tee -a "$results"
		sed 's/^/  | /' "$out/stderr.log" | tail -n 10
	fi
}

# 1. BPF datapath: classifier, XDP and tc programs against SPD size,
#    next to a one-lookup floor program (BPF_PROG_TEST_RUN).
[ -x "$top/bench/run_bpf.sh" ] && part "BPF datapath" "$top/bench/run_bpf.sh"
# 2. The kernel's own XFRM output lookup for the same SPD sizes.
part "kernel XFRM lookup" "$top/bench/xfrm_lookup_cost.sh"
# 3. Loader: sync time and event-to-map latency.
[ -x "$top/bench/loader_bench.sh" ] && part "loader" "$top/bench/loader_bench.sh"
# 4. Bridge module: offload install rate, in the guest.
[ -f "$top/tests/guest/bench/install_rate.sh" ] &&
	part "module install rate (guest)" "$top/scripts/guest-run.sh" -v -t 600 bench/install_rate.sh
# 5. Gateway forwarding, kernel path against the XDP fast path, in the guest.
[ -f "$top/tests/guest/bench/fastpath_forward.sh" ] &&
	part "gateway forwarding (guest)" "$top/scripts/guest-run.sh" -v -t 900 bench/fastpath_forward.sh

"$top/bench/plot.sh" "$results" "$out/spd_cost.png"
echo "bench: total_wall_s=$(($(date +%s) - t0)) results=bench/out/results.txt plot=bench/out/spd_cost.png"
