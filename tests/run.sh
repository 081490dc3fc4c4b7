#!/bin/bash
# Run the test suite: host tests (tests/host/test_*.sh) on this kernel,
# then guest tests (tests/guest/test_*.sh) in the QEMU guest, once on
# Debian 12's 6.1 and once on its newest 6.12 (IPSO_GUEST_KERNELS="6.1"
# narrows it), then the debug tier: module, simulated-NIC and loader
# offload tests once more on the debug kernel (scripts/debug-kernel.sh:
# KASAN, lockdep, kmemleak, KFENCE; built once, before the host tests),
# each followed by a scan for kernel reports.  IPSO_DEBUG_TIER=0 turns
# the tier off, =full runs every simulated-NIC test in it;
# IPSO_GUEST_KERNELS=6.1-debug runs every guest test on that kernel.
# The host tier runs from a copy built with ASan and UBSan;
# IPSO_SANITIZE=0 runs it from the tree's own build.  Ends with the line
# "N passed, N failed, N skipped"; exit 1 on any failure.
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
	-h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run.sh: unknown option $a" >&2; exit 2 ;;
	*) pattern=$a ;;
	esac
done

# The debug tier's tests (globs under tests/; tests/debug/ has tests
# only the debug kernel can run).  By default the bridge, the sim's fault
# handling and fault injection: with the kernel's build they fit a cold
# `make check` in CI's 60 minutes (docs/testing.md); IPSO_DEBUG_TIER=full
# adds the loader's offload and every simulated-NIC test.
case ${IPSO_DEBUG_TIER:-1} in
full) DEBUG_TESTS='guest/test_kmod_*.sh guest/test_sim_*.sh
	guest/test_loader_offload.sh debug/test_*.sh' ;;
*) DEBUG_TESTS='guest/test_kmod_*.sh guest/test_sim_faults.sh
	debug/test_*.sh' ;;
esac
debug_tier=${IPSO_DEBUG_TIER:-1}

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

# Build the debug kernel (once per machine, cached outside the clone)
# before anything needs it, so that no test's timeout includes the build.
build_debug_kernel() {
	local t0 log=tests/out/debug-kernel.log
	t0=$(date +%s)
	if scripts/debug-kernel.sh >"$log" 2>&1; then
		echo "debug kernel: $(tail -n 1 "$log") ($(($(date +%s) - t0)) s)"
	else
		echo "FAIL debug-kernel/build"
		tail -n 30 "$log" | sed 's/^/    | /'
		echo "    full log: $log"
		echo "fail debug-kernel/build" >>"$results"
	fi
}
wants_debug_kernel() {
	local t
	[ "$debug_tier" != 0 ] || return 1
	[ $guest = 0 ] || return 0
	for t in tests/host/$pattern.sh; do
		case $t in */test_debug_*) return 0 ;; esac
	done
	return 1
}
if wants_debug_kernel; then
	build_debug_kernel
fi

# The host tier runs from a copy built with the sanitizers (ASan and
# UBSan: scripts/sanitized-tree.sh), any UBSan report fatal;
# IPSO_SANITIZE=0 runs it from the tree's own build.
host_tree() {
	local log=tests/out/sanitized-build.log
	if [ "${IPSO_SANITIZE:-1}" = 0 ]; then
		echo .
	elif scripts/sanitized-tree.sh build/sanitize >"$log" 2>&1; then
		echo build/sanitize
	else
		echo "FAIL host/sanitized-build" >&2
		tail -n 30 "$log" | sed 's/^/    | /' >&2
		echo "fail host/sanitized-build" >>"$results"
	fi
}
if [ $host = 1 ]; then
	t0=$(date +%s)
	htop=$(host_tree)
	if [ -n "$htop" ]; then
		echo "host: tests from $htop ($(($(date +%s) - t0)) s to build)"
		export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
		export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
	fi
	for t in "$htop"/tests/host/$pattern.sh; do
		[ -n "$htop" ] && [ -f "$t" ] || continue
		run_host_test "$t"
	done
	echo "host: wall $(($(date +%s) - t0)) s"
fi

# One guest boot series.  A pass that records no result at all (the
# kernel, the modules or the initramfs could not be made) is a failure,
# not a pass with nothing in it.
run_guest_pass() {	# SERIES TEST...
	local k=$1 before
	shift
	before=$(grep -c " guest-$k/" "$results")
	scripts/guest-run.sh -k "$k" "$@"
	if [ "$(grep -c " guest-$k/" "$results")" -eq "$before" ]; then
		echo "FAIL guest-$k: no test ran (see the messages above)"
		echo "fail guest-$k/setup" >>"$results"
	fi
}

if [ $guest = 1 ]; then
	gtests=()
	for t in tests/guest/$pattern.sh; do
		[ -f "$t" ] && gtests+=("${t#tests/guest/}")
	done
	if [ ${#gtests[@]} -gt 0 ]; then
		for k in ${IPSO_GUEST_KERNELS:-6.1 6.12}; do
			run_guest_pass "$k" "${gtests[@]}"
		done
	fi
	dtests=()
	for g in $DEBUG_TESTS; do
		for t in tests/$g; do
			n=${t#tests/}
			n=${n#guest/}
			# shellcheck disable=SC2254 # the pattern is a glob
			case ${n##*/} in
			$pattern.sh) [ -f "$t" ] && dtests+=("$n") ;;
			esac
		done
	done
	if [ "$debug_tier" != 0 ] && [ ${#dtests[@]} -gt 0 ]; then
		t0=$(date +%s)
		run_guest_pass 6.1-debug "${dtests[@]}"
		echo "debug tier: wall $(($(date +%s) - t0)) s"
	fi
fi

p=$(grep -c '^pass ' "$results")
f=$(grep -c '^fail ' "$results")
s=$(grep -c '^skip ' "$results")
echo "$p passed, $f failed, $s skipped"
[ "$f" -eq 0 ] && [ $((p + s)) -gt 0 ]
