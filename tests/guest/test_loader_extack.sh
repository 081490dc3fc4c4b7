#!/bin/sh
# The bridge module's reason for a refusal reaches the user: the loader
# asks for extended acks and prints the module's message as iproute2
# does.  SET_MAPS with a frozen ipso_hw_stats map is refused with "map is
# frozen"; the daemon says so in that form, then goes on mirroring.  The
# same daemon on maps nobody froze prints no such line.
. /opt/ipso/tests/guest/lib.sh
LD=$IPSO/loader/ipsec-offload
KO=$IPSO/kmod/mlx5_ipsec/ipsec_offload.ko
[ -x "$LD" ] || skip "loader/ipsec-offload not built"
[ -f "$KO" ] || skip "ipsec_offload.ko not built"
load_stock_modules
check "insmod" insmod "$KO"
ROOT=/sys/fs/bpf/ipso-extack

# run_daemon PIN: the daemon on PIN until the module is connected; its
# stderr in /run/extack.err.
run_daemon() {
	: >/run/extack.err
	"$LD" --pin-dir "$1" daemon >/dev/null 2>/run/extack.err &
	pid=$!
	wait_for grep -q 'bridge module connected' /run/extack.err ||
		wait_for grep -q 'bridge module connected' /run/extack.err ||
		bad "$1: the daemon never connected: $(tr '\n' '|' </run/extack.err)"
	kill "$pid"
	wait "$pid"
}

mkdir -p "$ROOT/frozen" "$ROOT/plain"
"$LD" --pin-dir "$ROOT/frozen" sync >/dev/null || bad "sync (creates the maps)"
bpftool map freeze pinned "$ROOT/frozen/ipso_hw_stats" ||
	bad "bpftool map freeze"
run_daemon "$ROOT/frozen"
if grep -qx 'Error: ipsec_offload: map is frozen.' /run/extack.err; then
	ok "SET_MAPS refused: the module's message printed as iproute2 does"
else
	bad "no module message: $(tr '\n' '|' </run/extack.err)"
fi
grep -q 'SET_MAPS' /run/extack.err && ok "and the loader's own line names SET_MAPS" ||
	bad "no SET_MAPS line: $(tr '\n' '|' </run/extack.err)"

"$LD" --pin-dir "$ROOT/plain" sync >/dev/null || bad "sync (plain maps)"
run_daemon "$ROOT/plain"
if grep -q '^Error:' /run/extack.err; then
	bad "maps nobody froze: $(tr '\n' '|' </run/extack.err)"
else
	ok "maps nobody froze: SET_MAPS accepted, no Error line"
fi

rm -rf "$ROOT"
check "rmmod" rmmod ipsec_offload
finish
