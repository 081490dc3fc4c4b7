#!/bin/bash
# Malformed input to ipsec-offload gives one clear error line
# ("ipsec-offload: <object>: <cause>"), the documented non-zero exit code,
# and leaves the maps untouched; attach refuses a missing device and a
# device with a foreign XDP program, and is idempotent.
. "$(dirname "$0")/loader_lib.sh"
loader_setup "$@"

add_policies 12
L sync >/dev/null || bad "initial sync failed"
# The policies and the config generation, or a failure: both commands
# must work before and after, or the comparison proves nothing.
snapshot() {
	local gen
	L -j show policy || return 1
	gen=$(L -j show stats | python3 -c \
		'import json,sys; print(json.load(sys.stdin)["config"]["generation"])') ||
		return 1
	echo "generation $gen"
}
before=$(snapshot 2>"$TMP/snap.err") ||
	bad "show policy / show stats failed: $(head -c 300 "$TMP/snap.err")"

# expect CODE PATTERN ARGS...: exit code and a matching one-line error.
expect() {
	local code=$1 pat=$2 rc
	shift 2
	L "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ $rc -ne "$code" ]; then
		bad "'$*': exit $rc, expected $code ($(head -c 200 "$TMP/err"))"
	elif ! grep -Eq "^ipsec-offload: [^:]+: .*$pat" "$TMP/err"; then
		bad "'$*': error line does not match '$pat': $(head -c 200 "$TMP/err")"
	elif [ "$(grep -c '^ipsec-offload:' "$TMP/err")" -ne 1 ]; then
		bad "'$*': more than one error line"
	else
		ok "'$*' -> exit $rc: $(cat "$TMP/err")"
	fi
}

expect 1 "unknown object 'frobnicate'" frobnicate
expect 1 "unknown or incomplete option" --bogus show sa
expect 1 "unknown object 'bogus'" show bogus
expect 1 "unexpected argument" show sa extra
expect 1 "unexpected argument" sync now
expect 1 "unexpected argument" daemon --forever
expect 5 "no such device" attach nosuchdev0
expect 5 "no such device" detach nosuchdev0
expect 1 "device name too long" attach aaaaaaaaaaaaaaaaaaaaaaaaaaaa
expect 1 "unexpected argument" attach lo lo
expect 1 "src and dst are required" explain src 10.0.0.1
expect 1 "not an IP address" explain src 10.0.0.300 dst 10.0.0.1
expect 1 "families differ" explain src 10.0.0.1 dst fd00::1
expect 1 "bad dport '70000'" explain src 10.0.0.1 dst 10.0.0.2 dport 70000
expect 1 "unknown keyword 'via'" explain src 10.0.0.1 dst 10.0.0.2 via x
expect 1 "dir must be" explain src 10.0.0.1 dst 10.0.0.2 dir sideways
expect 1 "bad --rcvbuf" --rcvbuf 12k daemon
expect 1 "bad --dev list" --dev , daemon
printf 'reqid 5 dev sim0\nspi 0x1000 dev sim0,sim1\nbogus 1 dev all\n' >"$TMP/bad.conf"
expect 1 "bad.conf:3: unknown keyword" -c "$TMP/bad.conf" daemon
printf 'dst 10.0.0.0/33 dev none\n' >"$TMP/bad2.conf"
expect 1 "bad.conf:1: bad dst prefix|bad2.conf:1: bad dst prefix" config check "$TMP/bad2.conf"
expect 2 "No such file" -c "$TMP/missing.conf" daemon
printf '# ok\nreqid 5 dev sim0\ndst fd00::/16 dir out dev all\nany dev none\n' >"$TMP/good.conf"
L config check "$TMP/good.conf" >/dev/null && ok "a valid rules file passes config check" ||
	bad "config check rejected a valid file"
# Relative pin dir and a pin dir without maps.
$N "$LOADER" --pin-dir relative/dir show sa >/dev/null 2>"$TMP/err"
[ $? -eq 1 ] && grep -q 'absolute path' "$TMP/err" && ok "relative --pin-dir refused" ||
	bad "relative --pin-dir not refused: $(cat "$TMP/err")"
$N "$LOADER" --pin-dir "$TMP/bpffs/empty" show sa >/dev/null 2>"$TMP/err"
[ $? -eq 2 ] && grep -q 'no maps pinned' "$TMP/err" && ok "show without maps: clear error" ||
	bad "show without maps: $(cat "$TMP/err")"
L -h >/dev/null && L show -h >/dev/null && L explain -h >/dev/null &&
	L daemon -h >/dev/null && L attach -h >/dev/null && L config -h >/dev/null &&
	ok "-h works everywhere" || bad "some -h failed"
L -V | grep -q '^ipsec-offload ' && ok "-V prints the version" || bad "-V"

after=$(snapshot 2>"$TMP/snap.err") ||
	bad "show policy / show stats failed: $(head -c 300 "$TMP/snap.err")"
[ "$before" = "$after" ] && ok "maps unchanged by all the bad input (same policies, same generation)" ||
	{ bad "maps changed by bad input"
	  diff <(echo "$before") <(echo "$after") | head -n 20 | sed 's/^/  /'; }

# attach: idempotent; refuses a foreign XDP program.
$N ip link add vla type veth peer name vlb
$N ip link set vla up; $N ip link set vlb up
if L attach vla >/dev/null 2>"$TMP/err"; then
	ok "attach vla"
	L attach vla >/dev/null && ok "attach is idempotent" || bad "second attach failed"
	n=$($N tc filter show dev vla egress | grep -c 'handle 0x150')
	[ "$n" = 1 ] && ok "one tc egress filter after two attaches" || bad "$n tc filters"
	xid() { $N ip link show vla | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p'; }
	tid() { $N tc filter show dev vla egress | sed -n 's/.* id \([0-9]*\) .*/\1/p'; }
	x0=$(xid); t0=$(tid)
	L attach vla reload >/dev/null 2>"$TMP/err" || bad "attach reload: $(cat "$TMP/err")"
	x1=$(xid); t1=$(tid)
	[ -n "$x1" ] && [ "$x1" != "$x0" ] && [ -n "$t1" ] && [ "$t1" != "$t0" ] &&
		[ "$($N tc filter show dev vla egress | grep -c 'handle 0x150')" = 1 ] &&
		ok "attach reload replaced both programs in place (xdp $x0->$x1, tc $t0->$t1)" ||
		bad "attach reload: xdp $x0->$x1 tc $t0->$t1"
	expect 1 "unexpected argument 'bogus'" attach vla bogus
	L detach vla >/dev/null && L detach vla >/dev/null &&
		ok "detach twice succeeds" || bad "detach failed"
	$N ip link show vla | grep -q 'prog/xdp' && bad "XDP still attached after detach" ||
		ok "XDP gone after detach"
	printf '%s\n' 'struct xdp_md;' \
		'__attribute__((section("xdp"), used)) int foreign(struct xdp_md *c) { return 2; /* XDP_PASS */ }' \
		'char _l[] __attribute__((section("license"), used)) = "GPL";' >"$TMP/f.c"
	clang -O2 -target bpf -c "$TMP/f.c" -o "$TMP/f.o" &&
		$N ip link set dev vlb xdpgeneric obj "$TMP/f.o" sec xdp 2>/dev/null
	if $N ip link show vlb | grep -q 'prog/xdp'; then
		expect 6 "foreign XDP program 'foreign'" attach vlb
		$N ip link show vlb | grep -q 'name foreign' &&
			ok "foreign program left in place" || bad "foreign program replaced"
		$N tc filter show dev vlb egress | grep -q 'handle 0x150' &&
			bad "half-attached: tc filter left on refusal" ||
			ok "nothing of ours left on the refused device"
	else
		bad "could not attach a foreign XDP program (clang -target bpf, ip link xdpgeneric)"
	fi
else
	bad "attach vla failed: $(cat "$TMP/err")"
fi
finish
