#!/bin/bash
# libFuzzer with ASan and UBSan on the loader's parsers (tests/fuzz/):
# the XFRM netlink decoder, the genetlink reply parsers and the rules-file
# parser, each for IPSO_FUZZ_SECONDS (default 20) from its seed corpus in
# tests/fuzz/corpus/ (XFRM messages recorded from a real kernel by
# tests/fuzz/record-seeds.sh).  Any crash, sanitizer report or leak fails
# the test, with the input that caused it.  Prints runs and seconds per
# target.  The seed is fixed (IPSO_FUZZ_SEED, default 1) so that a run
# explores the same inputs in the same order wherever it runs, the first
# ones at least; IPSO_FUZZ_SEED=0 lets libFuzzer pick one.
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${IPSO_FUZZ_SECONDS:-20}
seed=${IPSO_FUZZ_SEED:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
for t in fuzz_xnl_decode fuzz_genl_decode fuzz_devperm; do
	bin=$top/tests/bin/$t
	if [ ! -x "$bin" ]; then
		echo "FAIL $t: not built (make -C tests)"
		failed=$((failed + 1))
		continue
	fi
	mkdir -p "$work/$t"
	cp "$top"/tests/fuzz/corpus/$t/* "$work/$t/" 2>/dev/null
	seeds=$(ls "$work/$t" | wc -l)
	(cd "$work" && "$bin" -max_total_time="$secs" -seed="$seed" \
		-print_final_stats=1 "$work/$t") >"$work/$t.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log")
	echo "  $t: ${runs:-?} runs in $secs s (seed $seed), corpus $seeds -> $(ls "$work/$t" | wc -l)"
	if [ $rc -eq 0 ] && [ "${runs:-0}" -gt 0 ]; then
		echo "ok   $t: no crash, no sanitizer report"
		passed=$((passed + 1))
	else
		echo "FAIL $t: exit $rc"
		grep -E 'ERROR|SUMMARY|#[0-9]+ ' "$work/$t.log" | head -20 | sed 's/^/  /'
		for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
			[ -e "$a" ] && echo "  input: $(base64 -w0 "$a")"
		done
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
