#!/bin/bash
# Run the test suite: host tests (tests/host/test_*.sh) on this kernel,
# then guest tests (tests/guest/test_*.sh) in the QEMU guest, once on
# Debian 12's 6.1 and once on its newest 6.12 (IPSO_GUEST_KERNELS="6.1"
# narrows it).  Ends with the line "N passed, N failed, N skipped"; exit
# 1 on any failure.
#
# usage: tests/run.sh [--host-only|--guest-only] [PATTERN]
#   PATTERN   shell glob on test names, e.g. 'test_bpf_*'
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
host=1
guest=1
pattern='test_*'
for a in "$@"; do
	case $a in
	--host-only) guest=0 ;;
	--guest-only) host=0 ;;
	-h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run.sh: unknown option $a" >&2; exit 2 ;;
	*) pattern=$a ;;
	esac
done

results=$(mktemp)
trap 'rm -f "$results"' EXIT
export IPSO_RESULTS=$results
mkdir -p tests/out/host

run_host_test() {	# path
	local t=$1 name log rc
	name=$(basename "$t")
	log=tests/out/host/$name.log
	timeout -k 10 "${IPSO_HOST_TEST_TIMEOUT:-900}" "$t" >"$log" 2>&1 </dev/null
	rc=$?
	case $rc in
	0) echo "PASS host/$name"; echo "pass host/$name" >>"$results" ;;
	77) echo "SKIP host/$name: $(sed -n 's/^SKIP: //p' "$log" | head -n1)"
	    echo "skip host/$name" >>"$results" ;;
	*) echo "FAIL host/$name (exit $rc)"
	   grep -E '^(FAIL|not ok)' "$log" | head -n 20 | sed 's/^/    /'
	   tail -n 30 "$log" | sed 's/^/    | /'
	   echo "    full log: $log"
	   echo "fail host/$name" >>"$results" ;;
	esac
}

if [ $host = 1 ]; then
	t0=$(date +%s)
	for t in tests/host/$pattern.sh; do
		[ -f "$t" ] || continue
		run_host_test "$t"
	done
	echo "host: wall $(($(date +%s) - t0)) s"
fi

if [ $guest = 1 ]; then
	gtests=()
	for t in tests/guest/$pattern.sh; do
		[ -f "$t" ] && gtests+=("${t#tests/guest/}")
	done
	if [ ${#gtests[@]} -gt 0 ]; then
		for k in ${IPSO_GUEST_KERNELS:-6.1 6.12}; do
			scripts/guest-run.sh -k "$k" "${gtests[@]}"
		done
	fi
fi

p=$(grep -c '^pass ' "$results")
f=$(grep -c '^fail ' "$results")
s=$(grep -c '^skip ' "$results")
echo "$p passed, $f failed, $s skipped"
[ "$f" -eq 0 ] && [ $((p + s)) -gt 0 ]
