#!/bin/sh
# Record the seed corpus of fuzz_xnl_decode from a real kernel: run
# tests/guest/fixtures/record_xfrm_seeds.sh in the 6.1 guest and write
# each message it prints to tests/fuzz/corpus/fuzz_xnl_decode/.
# usage: tests/fuzz/record-seeds.sh [SERIES]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/tests/fuzz/corpus/fuzz_xnl_decode
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$top/scripts/guest-run.sh" -k "${1:-6.1}" -v fixtures/record_xfrm_seeds.sh >"$log" 2>&1 || true
mkdir -p "$out"
grep '^XFRM_SEED ' "$log" | while read -r _ name data; do
	printf '%s' "$data" | base64 -d >"$out/$name"
done
n=$(grep -c '^XFRM_SEED ' "$log" || true)
[ "$n" -gt 0 ] || { echo "record-seeds: no seed recorded" >&2; tail -20 "$log" >&2; exit 1; }
echo "record-seeds: $n messages in $out"
