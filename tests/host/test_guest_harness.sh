#!/bin/sh
# The guest harness reports a false assertion and a kernel panic as
# failures that name the test, within its timeouts, runs the tests after
# a panic in a fresh boot, and gives each test a clean slate.
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
unset IPSO_RESULTS
start=$(date +%s)
"$top/scripts/guest-run.sh" -t 60 fixtures/fail_assert.sh fixtures/leftover.sh \
	fixtures/clean_slate.sh fixtures/panic.sh fixtures/pass.sh >"$out" 2>&1
rc=$?
took=$(($(date +%s) - start))
sed 's/^/  | /' "$out"
fails=0
expect() {
	if grep -q "$1" "$out"; then
		echo "ok: $2"
	else
		echo "FAIL: $2"
		fails=$((fails + 1))
	fi
}
[ $rc -ne 0 ] && echo "ok: guest-run exits non-zero ($rc)" ||
	{ echo "FAIL: guest-run exited 0"; fails=$((fails + 1)); }
expect '^FAIL guest-6.1/fixtures/fail_assert.sh (exit 1)' "false assertion named"
expect 'FAIL: one equals two' "failing check printed"
expect '^FAIL guest-6.1/fixtures/panic.sh (guest died' "panic named"
expect 'cause: .*Kernel panic' "the panic is named as the cause"
expect '^PASS guest-6.1/fixtures/pass.sh' "test after the panic ran"
expect '^PASS guest-6.1/fixtures/clean_slate.sh' "a test does not inherit processes left by the previous one"
[ $took -lt 120 ] && echo "ok: took ${took}s (< 120)" ||
	{ echo "FAIL: took ${took}s"; fails=$((fails + 1)); }
exit $fails
