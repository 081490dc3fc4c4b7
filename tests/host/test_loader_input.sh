#!/bin/bash
# Bad input gets a clear error and loses nothing: rules-file lines of any
# length are read whole, a rules file that fails to load leaves nothing
# allocated behind, --rcvbuf and IPSO_PIN_DIR are range- and
# form-checked, and an existing pin directory must be ours and closed to
# group and others.
. "$(dirname "$0")/loader_lib.sh"
loader_setup "$@"

# expect_fail WHAT MESSAGE CMD...: non-zero exit and MESSAGE on stderr.
expect_fail() {
	local what=$1 msg=$2 rc
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ $rc != 0 ] && grep -qF -- "$msg" "$TMP/err"; then
		ok "$what: exit $rc, '$(head -n 1 "$TMP/err")'"
	else
		bad "$what: exit $rc, stderr '$(head -n 2 "$TMP/err" | tr '\n' ' ')'"
	fi
}

# A comment running past 511 characters: its tail is not a rule.
long="reqid 5 dev all #$(printf '%*s' 494 '' | tr ' ' x)"
printf '%s any dev none\nspi 0x1001 dev none\n' "$long" >"$TMP/long.conf"
out=$("$LOADER" config check "$TMP/long.conf" 2>&1)
[ "$out" = "$TMP/long.conf: 2 rule(s) ok" ] &&
	ok "a ${#long}+ character line is one rule" || bad "long line: '$out'"
"$LOADER" -c "$TMP/long.conf" config show >"$TMP/show" 2>&1
[ "$(grep -c '^rule' "$TMP/show")" = 2 ] && grep -qx 'rule line 2: dev none' "$TMP/show" &&
	ok "the comment's tail is no rule; the next rule keeps line 2" ||
	bad "config show: $(head -n 3 "$TMP/show" | tr '\n' ' ')"

# A file that fails half-way leaves nothing allocated: LeakSanitizer
# when the loader is built with it (the sanitized host tier), which
# fails the exit code on a leak; valgrind otherwise.
printf 'reqid 1 dev all\nreqid 2 dev all\nbogus line\n' >"$TMP/bad.conf"
if ldd "$LOADER" 2>/dev/null | grep -q libasan; then
	ASAN_OPTIONS=detect_leaks=1 "$LOADER" config check "$TMP/bad.conf" \
		>/dev/null 2>"$TMP/lsan"
	rc=$?
	[ $rc = 1 ] && grep -q 'bad.conf:3' "$TMP/lsan" &&
		! grep -q LeakSanitizer "$TMP/lsan" &&
		ok "rules file broken on line 3: exit 1, no leak (LeakSanitizer)" ||
		bad "broken rules file: exit $rc; $(grep -m2 'LeakSanitizer\|bad.conf' "$TMP/lsan" | tr '\n' ' ')"
elif command -v valgrind >/dev/null; then
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--error-exitcode=99 "$LOADER" config check "$TMP/bad.conf" \
		>/dev/null 2>"$TMP/vg"
	rc=$?
	[ $rc = 1 ] && grep -q 'bad.conf:3' "$TMP/vg" &&
		ok "rules file broken on line 3: exit 1, no leak" ||
		bad "broken rules file: exit $rc; $(grep -m2 'lost\|bad.conf' "$TMP/vg" | tr '\n' ' ')"
else
	bad "valgrind missing (scripts/deps.sh installs it)"
fi

expect_fail "--rcvbuf 2^32+1" "bad --rcvbuf '4294967297'" \
	"$LOADER" --rcvbuf 4294967297 --pin-dir "$PIN" show policy
expect_fail "--rcvbuf 0" "bad --rcvbuf '0'" \
	"$LOADER" --rcvbuf 0 --pin-dir "$PIN" show policy
expect_fail "IPSO_PIN_DIR relative" "IPSO_PIN_DIR needs an absolute path" \
	env IPSO_PIN_DIR=relative/dir "$LOADER" show policy

# The pin directory: created 0700; an existing open one is refused.
$N ip xfrm policy add src 10.1.0.0/16 dst 10.2.0.0/16 dir out action block
L sync >/dev/null 2>"$TMP/err" && [ "$(stat -c %a "$PIN")" = 700 ] &&
	ok "sync creates the pin directory 0700" ||
	bad "sync into a new pin directory: $(cat "$TMP/err"), mode $(stat -c %a "$PIN" 2>&1)"
mkdir "$TMP/bpffs/open" && chmod 0777 "$TMP/bpffs/open"
expect_fail "sync into a world-writable pin directory" "not writable by group or others" \
	$N "$LOADER" --pin-dir "$TMP/bpffs/open" sync
[ -z "$(ls "$TMP/bpffs/open")" ] && ok "nothing pinned there" ||
	bad "pinned into the open directory: $(ls "$TMP/bpffs/open")"
mkdir "$TMP/bpffs/theirs" && chown 65534 "$TMP/bpffs/theirs" && chmod 0700 "$TMP/bpffs/theirs"
expect_fail "attach with a pin directory of another user" "must be owned by uid 0" \
	$N "$LOADER" --pin-dir "$TMP/bpffs/theirs" sync
finish
