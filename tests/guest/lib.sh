# Shared helpers for guest tests (sourced by busybox sh).
# busybox ash runs its own applets before $PATH, and its ip/tc/modprobe
# lack what we need (netns, xfrm, bpf): route the names to the real tools.
IPSO=/opt/ipso
ip() { /usr/sbin/ip "$@"; }
tc() { /usr/sbin/tc "$@"; }
modprobe() { /sbin/modprobe "$@"; }
insmod() { /sbin/insmod "$@"; }
rmmod() { /sbin/rmmod "$@"; }
lsmod() { /sbin/lsmod "$@"; }
bpftool() { /usr/sbin/bpftool "$@"; }
tcpdump() { /usr/bin/tcpdump "$@"; }

# `ip netns exec` remounts /sys and hides /sys/fs/bpf; nsenter does not.
NS1="nsenter --net=/run/netns/ns1"
NS2="nsenter --net=/run/netns/ns2"

fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
check() {
	local what=$1 rc
	shift
	"$@"
	rc=$?
	if [ $rc -eq 0 ]; then ok "$what"; else bad "$what (rc=$rc)"; fi
}
# A skipped test says why and exits 77.
skip() { echo "SKIP: $*"; exit 77; }
# Test tools (tests/bin) go first on PATH; one that was not built skips the
# test instead of failing it.  use_test_bins NAME...
use_test_bins() {
	local b
	PATH=$IPSO/bin:$PATH
	for b in "$@"; do
		command -v "$b" >/dev/null || skip "tests/bin/$b not built"
	done
}
# Under TCG the kernel's work items and the daemons lag behind the
# commands that trigger them: poll.  Gives up after 10 s, non-zero.
# wait_for CMD...
wait_for() {
	local i=0
	until "$@"; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.1
	done
}
# Unload MODULE... once nothing uses them: the states of a deleted
# namespace, which hold esp4/6_offload, are freed in the background.
# rmmod_when_free MODULE...
rmmod_when_free() {
	local m
	for m in "$@"; do
		grep -q "^$m " /proc/modules || continue
		wait_for sh -c "/sbin/rmmod $m 2>/dev/null" || { rmmod "$m"; return 1; }
	done
}
# A UDP socket is bound to PORT in namespace NS (IPv4 or IPv6).  A
# receiver started in the background may not be bound yet when the sender
# starts, and its first datagrams would be counted lost.
# udp_bound NS PORT
udp_bound() {
	ip netns exec "$1" cat /proc/net/udp /proc/net/udp6 2>/dev/null |
		grep -q "$(printf ':%04X ' "$2")"
}
udp_wait_bound() { wait_for udp_bound "$1" "$2"; }
# End of a test: non-zero when any check failed.
finish() {
	dmesg_clean || fails=$((fails + 1))
	echo "checks failed: $fails"
	[ "$fails" -eq 0 ]
	exit $?
}

# Kernel log must be free of oopses, warnings and leak reports.
dmesg_clean() {
	if dmesg | grep -E 'BUG|WARNING|Oops|general protection|refcount_t|leak|Call Trace|Poison overwritten|Redzone' >/run/dmesg.bad; then
		echo "FAIL: kernel log:"
		sed 's/^/  dmesg: /' /run/dmesg.bad | head -40
		return 1
	fi
	return 0
}

# ESP needs crypto modules that modules.dep does not list (looked up by
# name at run time): seqiv wants "stdrng" = drbg (+ sha512 for its self
# test) seeded by jitterentropy (+ sha3).
load_stock_modules() {
	for m in veth xfrm_algo xfrm_user esp4 esp6 cryptd crypto_simd \
		aesni_intel gf128mul ghash_generic ghash_clmulni_intel gcm ctr \
		seqiv echainiv sha3_generic jitterentropy_rng sha512_generic \
		drbg sch_ingress cls_bpf; do
		modprobe "$m" 2>/dev/null || echo "note: modprobe $m failed"
	done
}

# ns1 <-> ns2 over veth: 10.0.0.1/24, fd00::1/64 <-> .2 / ::2
ns_pair_veth() {
	local n
	ip netns add ns1
	ip netns add ns2
	ip link add veth1 netns ns1 type veth peer name veth2 netns ns2
	ip -n ns1 addr add 10.0.0.1/24 dev veth1
	ip -n ns2 addr add 10.0.0.2/24 dev veth2
	ip -n ns1 addr add fd00::1/64 dev veth1 nodad
	ip -n ns2 addr add fd00::2/64 dev veth2 nodad
	for n in ns1 ns2; do ip -n $n link set lo up; done
	ip -n ns1 link set veth1 up
	ip -n ns2 link set veth2 up
}

# AES-GCM ESP states (128-bit ICV), the same in each namespace named;
# WORD... (replay window, limits, encap) are appended to each.
# xfrm_sa "NS..." SRC DST SPI REQID MODE KEY [WORD...]
xfrm_sa() {
	local nss="$1" src=$2 dst=$3 spi=$4 reqid=$5 mode=$6 key=$7 n
	shift 7
	for n in $nss; do
		ip -n "$n" xfrm state add src "$src" dst "$dst" proto esp \
			spi "$spi" reqid "$reqid" mode "$mode" \
			aead 'rfc4106(gcm(aes))' "$key" 128 "$@" || return 1
	done
}
# ns1 (A) <-> ns2 (B) out and in policies on both sides: traffic between
# SEL_A and SEL_B (default: A and B themselves) goes A -> B with reqid
# REQID and B -> A with REQID + 1.
# xfrm_policy_pair MODE A B REQID [SEL_A SEL_B]
xfrm_policy_pair() {
	local m=$1 a=$2 b=$3 r=$4 sa=${5:-$2} sb=${6:-$3}
	local t1="tmpl src $a dst $b proto esp reqid $r mode $m"
	local t2="tmpl src $b dst $a proto esp reqid $((r + 1)) mode $m"
	ip -n ns1 xfrm policy add src "$sa" dst "$sb" dir out $t1 &&
	ip -n ns1 xfrm policy add src "$sb" dst "$sa" dir in $t2 &&
	ip -n ns2 xfrm policy add src "$sb" dst "$sa" dir out $t2 &&
	ip -n ns2 xfrm policy add src "$sa" dst "$sb" dir in $t1
}
# Both directions between ns1 (A) and ns2 (B): the two SAs in both
# namespaces (SPI_AB with REQID, SPI_BA with REQID + 1) and their
# policies.  WORD... go to every state (xfrm_sa).
# xfrm_pair MODE A B SPI_AB SPI_BA REQID KEY_AB KEY_BA [SEL_A SEL_B] [-- WORD...]
xfrm_pair() {
	local m=$1 a=$2 b=$3 s1=$4 s2=$5 r=$6 k1=$7 k2=$8 sa= sb=
	shift 8
	if [ $# -gt 0 ] && [ "$1" != -- ]; then
		sa=$1 sb=$2
		shift 2
	fi
	[ "${1:-}" = -- ] && shift
	xfrm_sa "ns1 ns2" "$a" "$b" "$s1" "$r" "$m" "$k1" "$@" &&
	xfrm_sa "ns1 ns2" "$b" "$a" "$s2" $((r + 1)) "$m" "$k2" "$@" &&
	xfrm_policy_pair "$m" "$a" "$b" "$r" $sa $sb
}
# One direction, UDP only, for the hand-over tests: the SA (replay window
# 32) in both namespaces, the out policy in FROM and the in policy in TO.
# xfrm_udp_one_way FROM TO SRC DST SPI REQID KEY
xfrm_udp_one_way() {
	local t="tmpl src $3 dst $4 proto esp reqid $6 mode transport"
	xfrm_sa "$1 $2" "$3" "$4" "$5" "$6" transport "$7" replay-window 32 &&
	ip -n "$1" xfrm policy add src "$3" dst "$4" proto udp dir out $t &&
	ip -n "$2" xfrm policy add src "$3" dst "$4" proto udp dir in $t
}
# Packets NS's inbound states dropped as replays (or too old).
xfrm_replays() {
	nsenter --net=/run/netns/"$1" cat /proc/net/xfrm_stat |
		awk '$1 == "XfrmInStateSeqError" { print $2 }'
}

# A complete TCP transfer of BYTES to ADDR port 6000, receiver first.
# tcp_transfer FROM-PREFIX TO-PREFIX ADDR BYTES
tcp_transfer() {
	local r
	$2 netprobe tcp-recv 6000 30 >/run/tcp.out 2>&1 &
	r=$!
	sleep 0.3
	$1 netprobe tcp-send "$3" 6000 "$4" >/dev/null 2>&1
	wait $r && grep -q "received $4 bytes" /run/tcp.out
}

# What crosses the wire is what each end transmits: capture with -Q out.
# (A receiver's capture also shows tunnel-mode packets after decryption,
# re-injected on the same device: not wire traffic.)
# capture_start NSPREFIX DEV FILE FILTER [in|out|inout]
capture_start() {
	$1 /usr/bin/tcpdump -Z root -U --immediate-mode -n -Q "${5:-out}" \
		-i "$2" -w "$3" "$4" >"$3.log" 2>&1 &
	CAPTURE_PIDS="${CAPTURE_PIDS:-} $!"
}
# Let every capture attach before traffic starts.
capture_ready() { sleep 1; }
capture_stop() {
	sleep 0.5
	for p in $CAPTURE_PIDS; do kill "$p" 2>/dev/null; done
	for p in $CAPTURE_PIDS; do wait "$p" 2>/dev/null; done
	CAPTURE_PIDS=
}
capture_text() {	# FILE... -> packets in time order
	for f in "$@"; do /usr/bin/tcpdump -Z root -n -tt -r "$f" 2>/dev/null; done |
		sort -n
}
# Both ends of the ns1/ns2 link: wire_capture_start DEV1 DEV2 FILTER
wire_capture_start() {
	capture_start "$NS1" "$1" /run/wire1.pcap "$3"
	capture_start "$NS2" "$2" /run/wire2.pcap "$3"
	capture_ready
}
wire_text() { capture_text /run/wire1.pcap /run/wire2.pcap; }
# One ok per SPI (four hex digits) with ESP in FILE (capture_text output),
# one bad per SPI without.  KIND: ESP, or "UDP-encap ESP" for NAT-T.
# expect_spis FILE LABEL KIND SPI...
expect_spis() {
	local file=$1 label=$2 kind=$3 pre= spi c
	shift 3
	[ "$kind" = ESP ] || pre="4500: UDP-encap: "
	for spi in "$@"; do
		c=$(grep -c "${pre}ESP(spi=0x0000$spi" "$file")
		[ "$c" -gt 0 ] && ok "$label: $kind spi 0x$spi ($c frames)" ||
			bad "$label: no $kind with spi 0x$spi"
	done
}

# Exact wire audit at the far end of a link (tests/tools/wire_audit.bpf.c):
# counts what arrives from the wire by class, telling a leaked plaintext
# packet from one the receiver itself decapsulated (it has a secpath).
# wire_audit_start NSPREFIX DEV
wire_audit_start() {
	$1 /usr/sbin/tc qdisc add dev "$2" clsact 2>/dev/null
	rm -f /sys/fs/bpf/tc/globals/wire_audit
	$1 /usr/sbin/tc filter add dev "$2" ingress pref 1 bpf da \
		obj "$IPSO/tests/bin/wire_audit.bpf.o" sec tc
}
# wire_audit_count esp|ike|decapsulated|plaintext|other
wire_audit_count() {
	local i=0 c
	for c in esp ike decapsulated plaintext other; do
		[ "$c" = "$1" ] && break
		i=$((i + 1))
	done
	/usr/sbin/bpftool -j map lookup pinned /sys/fs/bpf/tc/globals/wire_audit \
		key $i 0 0 0 | sed -n 's/.*"value":\([0-9]*\).*/\1/p'
}
wire_audit_summary() {
	echo "wire audit: esp $(wire_audit_count esp) ike $(wire_audit_count ike)" \
		"decapsulated-by-receiver $(wire_audit_count decapsulated)" \
		"plaintext $(wire_audit_count plaintext) other $(wire_audit_count other)"
}
