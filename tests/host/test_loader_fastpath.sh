#!/bin/bash
# `ipsec-offload attach DEV fastpath`, `show fastpath`, `show policy -s`,
# `detach` in a netns with a private bpffs: the program is pinned and
# attached, its devmap filled with the devices that hold offloads (an
# entry written as the module would), ipso_pol_stats carries field names
# in BTF (a devmap cannot), a second XDP program is refused, detach removes it.
. "$(dirname "$0")/loader_lib.sh"
loader_setup
command -v bpftool >/dev/null || skip "bpftool missing"

$N ip link add in0 type veth peer name in1 || skip "no veth"
$N ip link add out0 type veth peer name out1
for d in in0 in1 out0 out1; do $N ip link set $d up; done
out_if=$($N cat /sys/class/net/out0/ifindex 2>/dev/null ||
	$N ip -o link show out0 | cut -d: -f1)

if L attach in0 fastpath >"$TMP/out" 2>"$TMP/err"; then
	ok "attach in0 fastpath: $(cat "$TMP/out")"
else
	bad "attach in0 fastpath: $(cat "$TMP/err")"
	finish
fi
$N ip link show in0 | grep -q 'prog/xdp' && ok "XDP program on in0" ||
	bad "no XDP program on in0"
L attach in0 fastpath >/dev/null && ok "attach fastpath is idempotent" ||
	bad "second attach fastpath failed"
L show fastpath >"$TMP/show"
grep -q "^fastpath attached: in0$" "$TMP/show" &&
	ok "show fastpath: attached on in0" ||
	bad "show fastpath: $(tr '\n' '|' <"$TMP/show")"
L -j show fastpath | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["loaded"] == "yes" and [a["dev"] for a in d["attached"]] == ["in0"]
assert d["egress"] == []' && ok "show -j fastpath: in0 attached, no egress yet" ||
	bad "show -j fastpath: $(L -j show fastpath)"

# An OFFLOADED packet-mode entry on out0, as the module writes it:
# key {daddr 203.0.113.9, spi 0x100, ESP, AF_INET, ifindex}, value
# {OFFLOADED, handle 21, 0, IPSO_OFL_F_PACKET}.
le32() { printf '%02x %02x %02x %02x' $(($1 & 255)) $(($1 >> 8 & 255)) \
	$(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
key="cb 00 71 09 $(printf '00 %.0s' {1..12}) 00 00 01 00 32 02 00 00 $(le32 "$out_if")"
val="$(le32 2) $(le32 21) $(le32 0) $(le32 1)"
$N bpftool map update pinned "$PIN/ipso_offload" key hex $key value hex $val ||
	bad "writing the offload entry"
L attach in0 fastpath >"$TMP/out" &&
	grep -q "1 offload device added" "$TMP/out" &&
	ok "attach again: the offload device goes into the devmap" ||
	bad "attach again: $(cat "$TMP/out")"
L show fastpath | grep -q "^redirects to: out0$" &&
	ok "show fastpath: redirects to out0" ||
	bad "show fastpath: $(L show fastpath | tr '\n' '|')"
# The kernel takes no BTF for a devmap (map_check_no_btf): key and value
# are both the ifindex, little-endian, as the value's first field.
$N bpftool -j map dump pinned "$PIN/ipso_fp_devmap" | python3 -c '
import json, sys
d = json.load(sys.stdin)
v = int("".join(reversed([b[2:] for b in d[0]["value"][:4]])), 16)
assert len(d) == 1 and v == int(sys.argv[1]), d' "$out_if" &&
	ok "bpftool map dump ipso_fp_devmap: out0 -> out0" ||
	bad "bpftool map dump ipso_fp_devmap: $($N bpftool map dump pinned "$PIN/ipso_fp_devmap")"
$N bpftool btf dump map pinned "$PIN/ipso_pol_stats" value 2>/dev/null |
	grep -q "'packets'" && $N bpftool btf dump map pinned \
	"$PIN/ipso_pol_stats" value | grep -q "'bytes'" &&
	ok "ipso_pol_stats: BTF names packets and bytes" ||
	bad "ipso_pol_stats BTF: $($N bpftool btf dump map pinned "$PIN/ipso_pol_stats" value 2>&1 | head -3)"

expect_attach_busy() {
	if L attach in0 >/dev/null 2>"$TMP/err"; then
		bad "attach in0 (XDP ingress) over the fast path succeeded"
	else
		rc=$?
		[ $rc = 6 ] && grep -q "foreign XDP program 'ipso_fastpath'" "$TMP/err" &&
			ok "attach in0 over the fast path: refused (exit 6)" ||
			bad "attach in0 over the fast path: exit $rc $(cat "$TMP/err")"
	fi
}
expect_attach_busy

$N ip xfrm policy add src 192.168.1.0/24 dst 10.9.0.0/16 dir out \
	tmpl src 198.51.100.1 dst 203.0.113.9 proto esp reqid 1 mode tunnel
L sync >/dev/null 2>"$TMP/err" || bad "sync: $(cat "$TMP/err")"
L show policy -s | grep -q "fastpath packets 0 bytes 0" &&
	ok "show policy -s: per-policy fast path counters" ||
	bad "show policy -s: $(L show policy -s | tr '\n' '|')"
L -j show policy -s | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d[0]["stats"] == {"fastpath_packets": 0, "fastpath_bytes": 0}, d' &&
	ok "show -j policy -s: stats object" || bad "show -j policy -s"
L show stats | grep -q "^fp_redirect " && ok "show stats: fast path counters" ||
	bad "show stats: no fp_redirect line"

# The kernel's fwd default, which `sync` reads (the fast path forwards
# plaintext no fwd policy matches only under accept).
fwd_default() {
	L -j show stats | python3 -c '
import json, sys
print(json.load(sys.stdin)["config"]["fwd_default"])'
}
$N ip xfrm policy setdefault fwd block &&
	L sync >/dev/null && [ "$(fwd_default)" = block ] &&
	ok "setdefault fwd block: sync reads block" ||
	bad "fwd default after setdefault block: $(fwd_default)"
$N ip xfrm policy setdefault fwd accept &&
	L sync >/dev/null && [ "$(fwd_default)" = accept ] &&
	ok "setdefault fwd accept: sync reads accept" ||
	bad "fwd default after setdefault accept: $(fwd_default)"
L show stats | grep -q "fwd default accept" &&
	ok "show stats: fwd default accept" || bad "show stats: no fwd default"

L detach in0 >/dev/null || bad "detach in0"
$N ip link show in0 | grep -q 'prog/xdp' && bad "XDP still on in0 after detach" ||
	ok "detach in0 removed the fast path"
L show fastpath | grep -q "^fastpath attached:$" &&
	ok "show fastpath: attached nowhere" || bad "show fastpath after detach"
finish
