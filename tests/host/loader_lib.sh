# Shared by tests/host/test_loader_*.sh (sourced, bash).
# Each test runs in a private mount namespace with its own bpffs (so the
# pin directory is test-private and nothing leaks into /sys/fs/bpf) and
# in its own network namespace, entered with nsenter (not `ip netns exec`,
# which remounts /sys).
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LOADER=$top/loader/ipsec-offload
CANON="python3 $top/tests/host/loader_canon.py"
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
skip() { echo "SKIP: $*"; exit 77; }
finish() { echo "checks failed: $fails"; [ "$fails" -eq 0 ]; exit $?; }

loader_setup() {	# re-exec "$0" in a private mount namespace
	[ "$(id -u)" = 0 ] || skip "needs root (netns, bpffs)"
	[ -x "$LOADER" ] || skip "loader/ipsec-offload not built (run make)"
	command -v python3 >/dev/null || skip "python3 missing"
	if [ -z "${IPSO_LOADER_UNSHARED:-}" ]; then
		export IPSO_LOADER_UNSHARED=1
		exec unshare --mount --propagation private bash "$0" "$@"
	fi
	TMP=$(mktemp -d)
	mkdir "$TMP/bpffs"
	mount -t bpf bpf "$TMP/bpffs" || skip "cannot mount a bpffs"
	PIN=$TMP/bpffs/pin
	NS=ipso-lt-$$
	ip netns add "$NS" || skip "cannot create a netns"
	N="nsenter --net=/run/netns/$NS"
	DAEMON_PID=
	trap loader_cleanup EXIT
}

loader_cleanup() {
	[ -n "$DAEMON_PID" ] && kill -9 "$DAEMON_PID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	cp "$TMP/daemon.err" /tmp/last-daemon.err 2>/dev/null
	umount "$TMP/bpffs" 2>/dev/null
	rm -rf "$TMP"
}

L() { $N "$LOADER" --pin-dir "$PIN" "$@"; }

# Canonical policy lists: kernel vs maps.
kernel_policies() { $N ip -s xfrm policy | $CANON ip; }
map_policies() { L -j show policy | $CANON maps; }

# same_spd LABEL: the maps hold exactly the kernel's SPD.
same_spd() {
	kernel_policies >"$TMP/k" || { bad "$1: reading the kernel SPD"; return 1; }
	map_policies >"$TMP/m" || { bad "$1: reading the maps"; return 1; }
	if cmp -s "$TMP/k" "$TMP/m"; then
		ok "$1: maps == kernel SPD ($(wc -l <"$TMP/k") policies)"
		return 0
	fi
	bad "$1: maps differ from kernel SPD (kernel $(wc -l <"$TMP/k"), maps $(wc -l <"$TMP/m"))"
	diff "$TMP/k" "$TMP/m" | head -n 10 | sed 's/^/    /'
	return 1
}

# converge LABEL SECONDS: wait until the maps equal the SPD, then assert.
converge() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		kernel_policies >"$TMP/k" 2>/dev/null
		map_policies >"$TMP/m" 2>/dev/null
		cmp -s "$TMP/k" "$TMP/m" && break
		sleep 0.1
	done
	same_spd "$1"
}

# add_policies COUNT [PREFIX-OCTET]: COUNT distinct policies via ip -batch,
# mixing out/in/fwd, protect/bypass/block, v4 and v6, prefix lengths.
add_policies() {
	local n=$1 o=${2:-10} i
	for ((i = 0; i < n; i++)); do
		local a=$((i >> 8 & 255)) b=$((i & 255))
		case $((i % 6)) in
		0) echo "xfrm policy add src 10.$o.$a.$b/32 dst 172.$((16 + i % 16)).$a.$b/32 dir out priority $((i % 7)) tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid $((i % 50 + 1)) mode tunnel" ;;
		1) echo "xfrm policy add src 172.$((16 + i % 16)).$a.0/24 dst 10.$o.$a.$b/32 dir in tmpl src 192.0.2.2 dst 192.0.2.1 proto esp reqid $((i % 50 + 1)) mode tunnel level use" ;;
		2) echo "xfrm policy add src 10.$o.$a.$b/32 dst 10.$((o + 1)).$a.$b/32 proto tcp dport $((1000 + i % 1000)) dir fwd action block" ;;
		3) echo "xfrm policy add src fd$o:$a::$b/128 dst fd$((o + 1)):$a::$b/128 dir out tmpl proto esp mode transport" ;;
		4) echo "xfrm policy add src 10.$o.$a.$b/32 dst 192.168.$a.$b/32 proto udp sport $((i % 60000 + 1)) dir out action allow" ;;
		5) echo "xfrm policy add src fd$o:$a::$b/128 dst fd$((o + 2)):$a::/64 proto ipv6-icmp type 128 code 0 dir in priority $((i % 3))" ;;
		esac
	done >"$TMP/batch"
	$N ip -batch "$TMP/batch"
}

# start_daemon [ARGS]: wait for its "ready" line (10 s at most).
start_daemon() {
	# nsenter execs the loader: $! is the daemon itself.
	$N "$LOADER" --pin-dir "$PIN" "$@" daemon >"$TMP/daemon.out" \
		2>"$TMP/daemon.err" &
	DAEMON_PID=$!
	for _ in $(seq 100); do
		grep -q 'daemon ready' "$TMP/daemon.out" 2>/dev/null && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	bad "daemon did not become ready"
	cat "$TMP/daemon.err" | head -n 5
	return 1
}
