#!/bin/bash
# `ipsec-offload sync` mirrors 1, 1k and 100k kernel policies exactly,
# reconciles deletions and changes, and is idempotent.
. "$(dirname "$0")/loader_lib.sh"
loader_setup "$@"

add_policies 1
L sync >/dev/null 2>"$TMP/err" && ok "sync of 1 policy exits 0" || bad "sync of 1 policy failed"
# The kernel's extended acks are printed: a clean dump has none.
[ ! -s "$TMP/err" ] && ok "sync writes nothing on stderr" ||
	bad "sync wrote on stderr: $(head -c 300 "$TMP/err")"
same_spd "1 policy"
# The comparison itself must be able to fail: an unsynced change shows.
$N ip xfrm policy add src 10.200.0.0/16 dst 10.201.0.0/16 dir out action block
kernel_policies >"$TMP/k"; map_policies >"$TMP/m"
if cmp -s "$TMP/k" "$TMP/m"; then
	bad "comparison did not notice a policy missing from the maps"
else
	ok "comparison notices a policy missing from the maps"
fi

$N ip xfrm policy flush
add_policies 1000
L sync >/dev/null || bad "sync of 1k policies failed"
same_spd "1k policies (stale entry of the first run removed)"

# Reconcile: delete some, change some, add some; then sync again.
$N ip xfrm policy del src 10.10.0.0/32 dst 172.16.0.0/32 dir out
$N ip xfrm policy update src 10.10.0.6/32 dst 172.22.0.6/32 dir out priority 99 \
	tmpl src 192.0.2.9 dst 192.0.2.8 proto esp reqid 77 mode tunnel
$N ip xfrm policy add src 10.99.0.0/16 dst 10.98.0.0/16 dir out action block
L sync >/dev/null || bad "reconciling sync failed"
same_spd "after delete/update/add"
L sync >/dev/null || bad "second sync failed"
same_spd "idempotent re-sync"

$N ip xfrm policy flush
add_policies 100000
t0=$(date +%s%N)
L -j sync >"$TMP/sync.json" || bad "sync of 100k policies failed"
t1=$(date +%s%N)
echo "note: sync of 100k policies took $(((t1 - t0) / 1000000)) ms: $(cat "$TMP/sync.json")"
same_spd "100k policies"

$N ip xfrm policy flush
L sync >/dev/null || bad "sync after flush failed"
same_spd "empty SPD after flush"
finish
