#!/bin/bash
# Loader benchmark.  Host (policies only: the host kernel has no ESP):
# time of `ipsec-offload sync` for 10k and 100k policies (first sync into
# empty maps, then an unchanged re-sync), and event -> map latency of the
# daemon, one change at a time and for a burst of 10k changes (median,
# p99, max per change), and the heap the daemon's shadow of the SAD/SPD
# holds for 100k SAs + 100k policies (bench/shadow_mem.c).  Guest
# (tests/guest/bench/loader_sa_sync.sh): sync of 10k and 100k real SAs
# + policies, SA event latency.  Prints "bench: ..." lines.
# IPSO_BENCH_LOADER_GUEST=0 skips the guest part.
# Env: IPSO_BENCH_LOADER_SIZES (default "10000 100000"),
#      IPSO_BENCH_LOADER_SEQ (default 2000 adds + 2000 deletes),
#      IPSO_BENCH_LOADER_BURST (default 10000),
#      IPSO_BENCH_LOADER_SHADOW (default 100000 SAs and as many policies).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
LD=$top/loader/ipsec-offload
[ -x "$LD" ] || { echo "loader_bench: loader/ipsec-offload not built" >&2; exit 1; }
if [ -z "${IPSO_BENCH_UNSHARED:-}" ]; then
	export IPSO_BENCH_UNSHARED=1
	exec unshare --mount --propagation private bash "$0" "$@"
fi
out=$top/bench/out
mkdir -p "$out"
bin=$out/loader_latency
cc -O2 -Wall -Wextra -Werror -o "$bin" "$top/bench/loader_latency.c" \
	$(pkg-config --libs libbpf) -lelf -lz
[ -f "$top/loader/lib/libipso.a" ] ||
	{ echo "loader_bench: loader/lib/libipso.a not built" >&2; exit 1; }
cc -O2 -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -I"$top/loader/lib" \
	-I"$top/bpf" -I"$top/include" $(pkg-config --cflags libbpf libmnl) \
	-o "$out/shadow_mem" "$top/bench/shadow_mem.c" \
	"$top/loader/lib/libipso.a" $(pkg-config --libs libbpf libmnl) -lelf -lz
tmp=$(mktemp -d)
mkdir "$tmp/bpffs"
mount -t bpf bpf "$tmp/bpffs"
pin=$tmp/bpffs/pin
ns=ipso-lbench-$$
daemon=
cleanup() {
	[ -n "$daemon" ] && kill "$daemon" 2>/dev/null
	ip netns del $ns 2>/dev/null
	umount "$tmp/bpffs" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
N="nsenter --net=/run/netns/$ns"
ms() { python3 -c "import json,sys; print(json.load(sys.stdin)['usec'] / 1000)"; }

for size in ${IPSO_BENCH_LOADER_SIZES:-10000 100000}; do
	ip netns add $ns
	"$top/bench/gen_spd.sh" "$size" 7 >"$tmp/spd"
	$N ip -force -batch "$tmp/spd" 2>/dev/null || true
	got=$($N ip xfrm policy count | sed -n 's/.*SPD OUT \([0-9]*\).*/\1/p')
	if $N "$LD" --pin-dir "$pin" -j sync >"$tmp/s1" 2>"$tmp/err" &&
		$N "$LD" --pin-dir "$pin" -j sync >"$tmp/s2" 2>>"$tmp/err"; then
		echo "bench: part=loader_sync policies=${got:-$size} spd=mixed_prefixes first_sync_ms=$(ms <"$tmp/s1") resync_unchanged_ms=$(ms <"$tmp/s2")"
	else
		echo "bench: part=loader_sync policies=${got:-$size} spd=mixed_prefixes status=failed error=\"$(head -n1 "$tmp/err")\""
	fi
	ip netns del $ns
	rm -rf "$pin"
done

# Heap of the shadow SAD/SPD: no netns needed, only maps of its own.
"$out/shadow_mem" "$pin" "${IPSO_BENCH_LOADER_SHADOW:-100000}" \
	"${IPSO_BENCH_LOADER_SHADOW:-100000}"
rm -rf "$pin"

ip netns add $ns
$N "$LD" --pin-dir "$pin" daemon >"$tmp/daemon.out" 2>&1 &
daemon=$!
for _ in $(seq 100); do
	grep -q 'daemon ready' "$tmp/daemon.out" && break
	sleep 0.1
done
$N "$bin" "$pin" "${IPSO_BENCH_LOADER_SEQ:-2000}" seq
kill $daemon; wait $daemon 2>/dev/null || true

# Burst: a fresh daemon with -v logs "commit events=N t_ns=T" per commit;
# the tool logs when it sent add i; add i reached the maps with the first
# commit whose event count is > i.
$N "$LD" -v --pin-dir "$pin" daemon >"$tmp/daemon.out" 2>"$tmp/daemon.err" &
daemon=$!
for _ in $(seq 100); do
	grep -q 'daemon ready' "$tmp/daemon.out" && break
	sleep 0.1
done
$N "$bin" "$pin" "${IPSO_BENCH_LOADER_BURST:-10000}" burst "$tmp/sent"
python3 - "$tmp/sent" "$tmp/daemon.err" <<'PY'
import bisect, re, sys
sent = [int(l.split()[1]) for l in open(sys.argv[1])]
commits = [(int(m.group(1)), int(m.group(2))) for m in
           (re.search(r"commit events=(\d+) t_ns=(\d+)", l)
            for l in open(sys.argv[2])) if m]
counts = [c for c, _ in commits]
lat = []
for i, t in enumerate(sent):
    k = bisect.bisect_right(counts, i)   # first commit with count > i
    if k < len(commits):
        lat.append(commits[k][1] - t)
lat.sort()
if lat:
    print("bench: part=loader_event_latency mode=burst changes=%d commits=%d "
          "median_us=%.1f p99_us=%.1f max_us=%.1f" % (
              len(lat), len(commits), lat[len(lat) // 2] / 1e3,
              lat[min(len(lat) - 1, len(lat) * 99 // 100)] / 1e3, lat[-1] / 1e3))
else:
    print("bench: part=loader_event_latency mode=burst status=no_commit_log")
PY
kill $daemon 2>/dev/null; wait $daemon 2>/dev/null || true
daemon=

# SAs need ESP: the guest (Debian 6.1 under TCG, so slower than native).
if [ "${IPSO_BENCH_LOADER_GUEST:-1}" = 1 ]; then
	"$top/scripts/guest-run.sh" -m 6144 -v -t 900 bench/loader_sa_sync.sh 2>&1 |
		grep '^bench:' || echo "bench: part=loader_sync_sa status=failed"
fi
