#!/bin/bash
# `ipsec-offload explain` runs the datapath's classifier on synthetic
# packets against the mirrored SPD: protect (held without an SA), block,
# bypass, no policy; priorities; IPv4 and IPv6; ports and ICMP type;
# directions; JSON and text agree.
. "$(dirname "$0")/loader_lib.sh"
loader_setup "$@"

$N ip xfrm policy add src 10.1.0.0/16 dst 10.2.0.0/16 dir out priority 10 \
	tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 4 mode tunnel
$N ip xfrm policy add src 10.1.0.0/16 dst 10.2.3.0/24 proto tcp dport 22 dir out \
	priority 5 action block
$N ip xfrm policy add src 10.1.0.0/16 dst 10.2.4.0/24 dir out priority 1
$N ip xfrm policy add src fd01::/64 dst fd02::/64 proto ipv6-icmp type 128 dir out \
	action block
$N ip xfrm policy add src 10.2.0.0/16 dst 10.1.0.0/16 dir in \
	tmpl src 192.0.2.2 dst 192.0.2.1 proto esp reqid 5 mode tunnel
L sync >/dev/null || bad "sync failed"
idx() {	# DIR PRIORITY -> kernel index of that policy
	$N ip -s xfrm policy | awk -v d="$1" -v p="$2" \
		'$1 == "dir" && $2 == d { for (i = 1; i < NF; i++) { if ($i == "index") x = $(i + 1); if ($i == "priority") q = $(i + 1) } if (q == p) print x }'
}

# verdict ARGS -> "verdict policy-index" from -j output
verdict() {
	L -j explain "$@" | python3 -c 'import json,sys
r = json.load(sys.stdin)
p = r["policy"]["index"] if r["policy"] else "-"
print(r["verdict"], p, " ".join(r["flags"]))'
}
expect() {	# WANT-VERDICT WANT-INDEX ARGS...
	local v=$1 i=$2 got
	shift 2
	got=$(verdict "$@")
	if [ "${got%% *}" = "$v" ] && [ "$(echo "$got" | cut -d' ' -f2)" = "$i" ]; then
		ok "explain $*: $got"
	else
		bad "explain $*: got '$got', want '$v $i'"
	fi
}
expect protect "$(idx out 10)" src 10.1.0.1 dst 10.2.0.1 proto udp dport 53
expect block "$(idx out 5)" src 10.1.0.1 dst 10.2.3.4 proto tcp dport 22
expect protect "$(idx out 10)" src 10.1.0.1 dst 10.2.3.4 proto tcp dport 23
expect bypass "$(idx out 1)" src 10.1.0.1 dst 10.2.4.4 proto udp
expect none - src 10.5.0.1 dst 10.6.0.1
expect block "$(idx out 0)" src fd01::1 dst fd02::2 proto ipv6-icmp type 128 code 0
expect none - src fd01::1 dst fd02::2 proto ipv6-icmp type 129 code 0
expect protect "$(idx in 0)" dir in src 10.2.0.9 dst 10.1.0.9 proto tcp dport 80
expect none - dir fwd src 10.2.0.9 dst 10.1.0.9
verdict src 10.1.0.1 dst 10.2.0.1 | grep -q no-sa &&
	ok "protect without an SA: flag no-sa (the kernel would hold it)" ||
	bad "no no-sa flag"
L explain src 10.1.0.1 dst 10.2.3.4 proto tcp dport 22 >"$TMP/t"
grep -q '^verdict block' "$TMP/t" && grep -q "^policy index $(idx out 5) priority 5 action block" "$TMP/t" &&
	grep -q '^outcome dropped' "$TMP/t" && ok "text output: verdict, policy, outcome" ||
	bad "text output: $(tr '\n' '|' <"$TMP/t")"
# A change reaches explain: delete the block policy, sync, ask again.
$N ip xfrm policy del src 10.1.0.0/16 dst 10.2.3.0/24 proto tcp dport 22 dir out
L sync >/dev/null
expect protect "$(idx out 10)" src 10.1.0.1 dst 10.2.3.4 proto tcp dport 22
finish
