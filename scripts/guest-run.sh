#!/bin/bash
# Run guest tests in a Debian 12 kernel under QEMU (TCG).
#
# usage: scripts/guest-run.sh [-k SERIES] [-t SECONDS] [-m MIB] TEST...
#   TEST       a script under tests/guest/, named by its path relative to
#              tests/guest/ (test_x.sh, fixtures/y.sh) or with the prefix
#   -k         kernel series: 6.1 (default) or 6.12 (guest-kver.sh); the
#              modules are built for that kernel (guest-modules.sh);
#              6.1-debug is the debug kernel (debug-kernel.sh, built once),
#              whose guest scans for kernel reports after every test
#              (tests/debug/init) and also runs tests named debug/X from
#              tests/debug/
#   -t         per-test timeout inside the guest (default 300, 900 debug)
#   -m         guest memory in MiB (default 768, 1536 debug)
#   -v         print each test's whole output, not only failures
# env: IPSO_GUEST_APPEND  extra kernel command line
#      IPSO_RESULTS       file to append "pass|fail|skip NAME" lines to
#
# All tests run in one boot.  A test that panics or hangs the guest is
# failed with the console tail printed, and the tests after it run in a
# fresh boot.  QEMU itself runs under a hard timeout.  Exit 1 if any test
# failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
per_test=
mem=
verbose=0
series=6.1
while getopts "k:t:m:v" o; do
	case $o in
	k) series=$OPTARG ;;
	t) per_test=$OPTARG ;;
	m) mem=$OPTARG ;;
	v) verbose=1 ;;
	*) echo "usage: guest-run.sh [-k SERIES] [-t SECONDS] [-m MIB] [-v] TEST..." >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "guest-run: no test named" >&2; exit 2; }
debug=0
[ "$series" != 6.1-debug ] || debug=1
# KASAN, lockdep and kmemleak make the guest several times slower and
# KASAN takes an eighth of its memory.
per_test=${per_test:-$([ $debug = 1 ] && echo 900 || echo 300)}
mem=${mem:-$([ $debug = 1 ] && echo 1536 || echo 768)}

tests=()
case $per_test$mem in
*[!0-9]*) echo "guest-run: -t and -m take whole numbers" >&2; exit 2 ;;
esac
for t in "$@"; do
	n=${t#tests/guest/}
	n=${n#tests/}
	case $n in
	debug/*)
		if [ $debug = 0 ]; then
			echo "guest-run: $t runs only on -k 6.1-debug" >&2
			exit 2
		fi
		f=$top/tests/$n ;;
	*) f=$top/tests/guest/$n ;;
	esac
	if [ ! -f "$f" ]; then
		echo "guest-run: no such guest test: $t" >&2
		exit 2
	fi
	tests+=("$n")
done

# The debug tier's modules: the project's and the fixture's, against the
# debug kernel's built tree.
debug_modules() {	# RELEASE TREE
	local out
	out=$("$top/scripts/guest-modules.sh" "$1" "$2") || return 1
	mkdir -p "$out/tests/debug"
	cp -a "$top/tests/debug/uaf" "$out/tests/debug/"
	make -C "$2" M="$out/tests/debug/uaf" modules >"$out/fixture.log" 2>&1 ||
		{ tail -n 20 "$out/fixture.log" >&2
		  echo "guest-run: debug fixture module does not build" >&2
		  return 1; }
	echo "$out"
}

if [ $debug = 1 ]; then
	kdir=$("$top/scripts/debug-kernel.sh") || exit 1
	kimage=$kdir/bzImage
	kver=$(basename "$kdir")
	IPSO_GUEST_KMOD=$(debug_modules "$kver" \
		"$kdir/image/lib/modules/$kver/build") || exit 1
	export IPSO_GUEST_KMOD
	export IPSO_GUEST_INIT=$top/tests/debug/init
	# every KASAN report, not only the first of the boot
	debug_append="kasan_multi_shot"
else
	kdir=$("$top/scripts/guest-kernel.sh" "$series") || exit 1
	kimage=$kdir/vmlinux
	kver=$(basename "$kdir")
	debug_append=
fi
# The tree's kmod/ is built for the 6.1 headers; other kernels get their own.
if [ "$series" != 6.1 ] && [ $debug = 0 ]; then
	IPSO_GUEST_KMOD=$("$top/scripts/guest-modules.sh" "$kver") || exit 1
	export IPSO_GUEST_KMOD
fi
tag=guest-$series
run=$top/.cache/guest/run
logs=$top/tests/out/$tag
mkdir -p "$run" "$logs"
work=$(mktemp -d "$run/XXXXXX")
trap 'rm -rf "$work"' EXIT

t0=$(date +%s.%N)
"$top/scripts/guest-initramfs.sh" "$kdir" "$work/initramfs.cpio.gz" \
	2>"$work/initramfs.err" || {
	echo "guest-run: initramfs build failed:" >&2
	tail -n 30 "$work/initramfs.err" >&2
	exit 1
}

result() {	# pass|fail|skip NAME [DETAIL]
	local what=$1 name=$2 detail=${3:-}
	case $what in
	pass) echo "PASS $tag/$name" ;;
	fail) echo "FAIL $tag/$name${detail:+ ($detail)}" ;;
	skip) echo "SKIP $tag/$name: ${detail:-no reason given}" ;;
	esac
	[ -n "${IPSO_RESULTS:-}" ] && echo "$what $tag/$name" >>"$IPSO_RESULTS"
	[ "$what" != fail ] || failed=$((failed + 1))
}

# A test stuck in the kernel outlives the in-guest timeout: kill QEMU when
# no test has begun or ended for longer than a test may take.
watch_guest() {	# QEMU_PID LOG
	local last cur= since
	since=$(date +%s)
	while kill -0 "$1" 2>/dev/null; do
		sleep 1
		last=$(grep -E '^IPSO_(GUEST_UP|TEST_BEGIN|TEST_END)' "$2" | tail -n 1)
		if [ "$last" != "$cur" ]; then
			cur=$last
			since=$(date +%s)
		elif [ $(($(date +%s) - since)) -gt $((per_test + 60)) ]; then
			echo "guest-run: no progress for $((per_test + 60)) s, stopping the guest"
			kill "$1"
			return
		fi
	done
}

failed=0
boots=0
remaining=("${tests[@]}")
while [ ${#remaining[@]} -gt 0 ]; do
	boots=$((boots + 1))
	log=$work/console.$boots.log
	list=$(IFS=,; echo "${remaining[*]}")
	budget=$(( ${#remaining[@]} * (per_test + 5) + 90 ))
	timeout -k 5 "$budget" qemu-system-x86_64 \
		-accel tcg,thread=multi,tb-size=64 -cpu max \
		-m "$mem" -smp 2 -nodefaults -no-user-config -display none \
		-serial file:"$log.raw" -no-reboot \
		-kernel "$kimage" -initrd "$work/initramfs.cpio.gz" \
		-append "console=ttyS0 panic=-1 oops=panic loglevel=4 slub_debug=FZP ipso.tests=$list ipso.timeout=$per_test $debug_append ${IPSO_GUEST_APPEND:-}" \
		</dev/null >"$log.qemu" 2>&1 &
	qpid=$!
	watch_guest "$qpid" "$log.raw"
	wait "$qpid"
	qrc=$?
	tr -d '\r' <"$log.raw" >"$log"
	cat "$log.qemu" >>"$log"
	next=()
	progressed=0
	for t in "${remaining[@]}"; do
		tlog=$logs/$(echo "$t" | tr / _).log
		if grep -q "^IPSO_TEST_END $t " "$log"; then
			progressed=1
			sed -n "\|^IPSO_TEST_BEGIN $t\$|,\|^IPSO_TEST_END $t |p" "$log" \
				>"$tlog"
			[ $verbose = 0 ] || cat "$tlog"
			rc=$(sed -n "s|^IPSO_TEST_END $t rc=\([0-9]*\).*|\1|p" "$log")
			if [ "$rc" = 0 ]; then
				result pass "$t"
			elif [ "$rc" = 77 ]; then
				result skip "$t" "$(sed -n 's/^SKIP: //p' "$tlog" | head -n1)"
			else
				result fail "$t" "exit $rc"
				grep -E '^(FAIL|not ok)' "$tlog" | head -n 20 | sed 's/^/    /'
				# the debug guest's report (tests/debug/init)
				grep '^  debug: ' "$tlog" | head -n 80 | sed 's/^/    /'
				echo "    full log: ${tlog#"$top"/}"
			fi
		elif grep -q "^IPSO_TEST_BEGIN $t" "$log"; then
			progressed=1
			sed -n "\|^IPSO_TEST_BEGIN $t\$|,\$p" "$log" >"$tlog"
			result fail "$t" "guest died or hung during the test (qemu rc=$qrc)"
			grep -E 'Kernel panic|BUG:|Oops|general protection|watchdog:|no progress' \
				"$tlog" | head -n 3 | sed 's/^/    cause: /'
			echo "    console tail:"
			tail -n 40 "$log" | sed 's/^/    | /'
		else
			next+=("$t")
		fi
	done
	if [ $progressed = 0 ]; then
		echo "guest-run: guest did not start any test (qemu rc=$qrc); console tail:"
		tail -n 40 "$log" | sed 's/^/    | /'
		for t in "${next[@]}"; do result fail "$t" "guest did not run it"; done
		next=()
	fi
	cp "$log" "$logs/console.last.log"
	remaining=("${next[@]+"${next[@]}"}")
done
t1=$(date +%s.%N)
printf 'guest: %d test(s), %d boot(s), wall %.1f s (kernel %s)\n' \
	${#tests[@]} "$boots" "$(echo "$t1 - $t0" | bc)" "$kver"
[ $failed -eq 0 ]
