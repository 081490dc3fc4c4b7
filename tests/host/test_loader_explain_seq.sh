#!/bin/bash
# `ipsec-offload explain`, one process per call, many calls in a row:
# every answer is the answer to its own question, never the previous
# call's.  The SPD has one /32 policy per destination, so the policy each
# flow must match is known from the kernel's own listing; consecutive
# flows always go to different destinations, so a stale answer cannot
# pass for a right one.  Each call is a single fork of this shell (the
# loader runs in place of nsenter): consecutive calls get consecutive
# pids, as in an operator's loop.
# Before the fix 1 answer in 300 was the previous call's.  The calls
# share the pinned explain program and its output map (docs/loader.md),
# so every answer must still be its own run's.
#   IPSO_EXPLAIN_CALLS=N (default 10000)
. "$(dirname "$0")/loader_lib.sh"
loader_setup "$@"
calls=${IPSO_EXPLAIN_CALLS:-10000}
npol=400

for i in $(seq 0 $((npol - 1))); do
	d=10.9.$((i / 200)).$((i % 200 + 1))
	case $((i % 3)) in
	0) echo "xfrm policy add src 10.8.0.0/16 dst $d/32 dir out priority $((i % 7)) action block" ;;
	1) echo "xfrm policy add src 10.8.0.0/16 dst $d/32 dir out priority $((i % 7))" ;;
	2) echo "xfrm policy add src 10.8.0.0/16 dst $d/32 dir out priority $((i % 7)) tmpl src 192.0.2.1 dst 192.0.2.$((i % 250 + 2)) proto esp reqid $i mode tunnel" ;;
	esac
done >"$TMP/batch"
$N ip -batch "$TMP/batch" || { bad "adding $npol policies"; finish; }
L sync >/dev/null || { bad "sync"; finish; }
# destination -> kernel policy index
$N ip -s xfrm policy list dir out | awk '
	$1 == "src" { d = $4; sub("/32", "", d) }
	$1 == "dir" { for (i = 1; i < NF; i++) if ($i == "index") print d, $(i + 1) }' \
	>"$TMP/index"
[ "$(wc -l <"$TMP/index")" = $npol ] || { bad "kernel lists $(wc -l <"$TMP/index") policies"; finish; }

# flows: a random destination each, never the previous one's
awk -v n="$calls" -v np="$npol" -v seed="${IPSO_EXPLAIN_SEED:-$$}" 'BEGIN {
	srand(seed); prev = -1
	for (k = 0; k < n; k++) {
		do i = int(rand() * np); while (i == prev)
		prev = i
		printf "10.9.%d.%d\n", int(i / 200), i % 200 + 1
	}
}' >"$TMP/flows"

t0=$(date +%s%N)
while read -r d; do
	$N "$LOADER" --pin-dir "$PIN" -j explain src 10.8.1.1 dst "$d" nocache \
		>>"$TMP/answers" 2>>"$TMP/errors" || echo '{}' >>"$TMP/answers"
done <"$TMP/flows"
t1=$(date +%s%N)
echo "$calls calls in $(((t1 - t0) / 1000000)) ms ($(((t1 - t0) / calls / 1000)) us a call)"

python3 - "$TMP/flows" "$TMP/answers" "$TMP/index" <<'PY' >"$TMP/verdict"
import json, sys
flows = open(sys.argv[1]).read().split()
answers = open(sys.argv[2]).read().splitlines()
index = dict(l.split() for l in open(sys.argv[3]))
wrong = stale = 0
prev = None
for k, (d, line) in enumerate(zip(flows, answers)):
    try:
        pol = json.loads(line).get("policy") or {}
        got = str(pol.get("index"))
    except ValueError:
        got = "unparsable"
    if got != index[d]:
        wrong += 1
        if prev is not None and got == index[prev]:
            stale += 1
        if wrong <= 5:
            print(f"call {k}: dst {d} answered policy {got}, want {index[d]}")
    prev = d
print(f"answers {len(answers)} wrong {wrong} stale {stale}")
PY
cat "$TMP/verdict"
read -r _ n _ w _ s < <(tail -n 1 "$TMP/verdict")
[ "$n" = "$calls" ] && ok "$calls answers" || bad "$n answers for $calls calls"
[ "$w" = 0 ] && ok "every answer names the policy of its own flow" ||
	bad "$w of $calls answers wrong, $s of them the previous call's"
[ -s "$TMP/errors" ] && bad "explain errors: $(sort "$TMP/errors" | uniq -c | head -n 3)"
per_call=$(((t1 - t0) / calls / 1000))
[ -e "$PIN/ipso_explain_prog" ] && ok "the first call pinned the explain program" ||
	bad "no pinned explain program"
echo "bench: name=explain_call us_per_call=$per_call calls=$calls"

# Its maps replaced (a removed pin, a newer loader): the pinned program
# reads the old ones, so explain must load a new one, and answer right.
rm -f "$PIN/ipso_spd_pol" "$PIN/ipso_spd_ent" "$PIN/ipso_spd_node"
L sync >/dev/null || bad "sync after removing the SPD pins"
old=$(stat -c %i "$PIN/ipso_explain_prog" 2>/dev/null)
d=$(head -n 1 "$TMP/flows")
got=$(L -j explain src 10.8.1.1 dst "$d" nocache | python3 -c '
import json, sys
print((json.load(sys.stdin).get("policy") or {}).get("index"))')
want=$(awk -v d="$d" '$1 == d { print $2 }' "$TMP/index")
[ "$got" = "$want" ] && ok "after the maps were replaced: the right policy ($got)" ||
	bad "after the maps were replaced: policy $got, want $want"
[ "$(stat -c %i "$PIN/ipso_explain_prog" 2>/dev/null)" != "$old" ] &&
	ok "the stale explain program was replaced" ||
	bad "the stale explain program is still pinned"
finish
