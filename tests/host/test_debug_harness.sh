#!/bin/bash
# The debug tier can fail: in the debug guest, a test that passes on its
# own but loads a module reading freed memory is failed by the scan after
# it, with the KASAN report; one that leaks is failed with the kmemleak
# report; a clean test still passes.  Skips only when this machine
# cannot build the debug kernel at all (no linux-source-6.1 in apt's
# lists, or a cache it may not write); a build that fails, fails.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${IPSO_DEBUG_CACHE:-/var/cache/ipsec-offload/debug-kernel}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
unset IPSO_RESULTS
fails=0

can_build() {
	local policy
	# (not `| grep -q`: its early exit would fail apt-cache under pipefail)
	policy=$(apt-cache policy linux-source-6.1 2>/dev/null || true)
	case $policy in
	*"Candidate: "[!\(]*) ;;
	*) echo "SKIP: no linux-source-6.1 in apt's lists"; exit 77 ;;
	esac
	mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ] ||
		{ echo "SKIP: cannot write the debug kernel cache $cache"; exit 77; }
}

expect() {	# REGEX WHAT
	if grep -Eq -- "$1" "$out"; then
		echo "ok: $2"
	else
		echo "FAIL: $2"
		fails=$((fails + 1))
	fi
}

can_build
if ! "$top/scripts/debug-kernel.sh" >/dev/null 2>"$out"; then
	tail -n 30 "$out"
	echo "FAIL: the debug kernel does not build"
	exit 1
fi
rc=0
"$top/scripts/guest-run.sh" -k 6.1-debug -t 300 debug/uaf.sh debug/leak.sh \
	fixtures/pass.sh >"$out" 2>&1 || rc=$?
sed 's/^/  | /' "$out"
if [ $rc -ne 0 ]; then
	echo "ok: guest-run exits non-zero ($rc)"
else
	echo "FAIL: guest-run exited 0"
	fails=$((fails + 1))
fi
expect '^FAIL guest-6.1-debug/debug/uaf.sh \(exit 97\)' \
	"the use after free fails the test that caused it"
expect 'FAIL: debug scan: .*BUG: KASAN: (slab-)?use-after-free in ipso_debug_fixture_init' \
	"the KASAN report is named"
expect 'debug: dmesg: .*Read of size 1 at addr' "the KASAN report is printed"
expect '^FAIL guest-6.1-debug/debug/leak.sh \(exit 97\)' \
	"the leak fails the test that caused it"
expect 'debug: kmemleak: .*unreferenced object 0x[0-9a-f]+ \(size 64\)' \
	"the kmemleak report is printed"
expect 'debug: kmemleak: .*ipso_debug_fixture_leak' \
	"the leak's backtrace names the allocation"
expect '^PASS guest-6.1-debug/fixtures/pass.sh' "a clean test passes"
echo "checks failed: $fails"
[ $fails -eq 0 ]
