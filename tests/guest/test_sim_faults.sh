#!/bin/sh
# Simulated NIC: parameters, pair lifecycle, nack paths and fail-closed
# transmit (docs/sim-nic.md).  Bad max_sa values are refused; pairs are
# created and deleted as one; a full table and an injected install
# failure end REJECTED with their errno, once (no retry loop); a delayed
# install is PENDING first; a stale mark with a secpath is resolved by
# the slow path (still ESP), a stale mark without one is dropped; unplug
# and module unload with live offloads leave a clean kernel log.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
offload_require_modules
use_test_bins ipso_genl mark_udp
load_stock_modules
DBG=$SIM_DEBUGFS
D=$DBG/devices
P=/sys/module/ipsec_sim/parameters/max_sa

check "insmod bridge" insmod "$BRIDGE_KO"
insmod "$SIM_KO" max_sa=0 2>/dev/null && { bad "max_sa=0 accepted"; rmmod ipsec_sim; } ||
	ok "insmod max_sa=0 refused"
insmod "$SIM_KO" max_sa=200000 2>/dev/null && { bad "max_sa=200000 accepted"; rmmod ipsec_sim; } ||
	ok "insmod max_sa=200000 refused"
check "insmod max_sa=2" insmod "$SIM_KO" max_sa=2
sh -c "echo 0 > $P" 2>/dev/null && bad "max_sa=0 written" || ok "writing max_sa=0 refused"
sh -c "echo abc > $P" 2>/dev/null && bad "max_sa=abc written" || ok "writing max_sa=abc refused"
check "max_sa still 2" [ "$(cat $P)" = 2 ]
sh -c "echo 0 > $DBG/fail_errno" 2>/dev/null && bad "fail_errno=0 accepted" ||
	ok "fail_errno=0 refused"
sh -c "echo 20000 > $DBG/add_delay_ms" 2>/dev/null && bad "add_delay_ms=20000 accepted" ||
	ok "add_delay_ms=20000 refused"

# Pairs: the peer is "<name>p"; deleting either end deletes both.
check "pair a0/a0p" ip link add a0 type ipsecsim
check "peer a0p exists" ip link show a0p
check "delete the peer end" ip link del a0p
ip link show a0 >/dev/null 2>&1 && bad "a0 survived its peer" || ok "a0 went with a0p"
check "pair b0" ip link add b0 type ipsecsim
check "delete the host end" ip link del b0
ip link show b0p >/dev/null 2>&1 && bad "b0p survived" || ok "b0p went with b0"

check "sim pair ns1:sim0 <-> ns2:sim1" ns_pair_sim ipv4-only
# an unprotected pair of addresses on the same link
ip -n ns1 addr add 10.0.1.1/24 dev sim0
ip -n ns2 addr add 10.0.1.2/24 dev sim1
# a protected pair whose SA stays in software (never offered to the NIC)
ip -n ns1 addr add 10.0.2.1/24 dev sim0
ip -n ns2 addr add 10.0.2.2/24 dev sim1
K=0x0102030405060708090a0b0c0d0e0f1011121314
for n in ns1 ns2; do
	for s in 0x1001 0x1002 0x1003 0x1004; do
		ip -n $n xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi $s \
			reqid 1 mode transport aead 'rfc4106(gcm(aes))' $K 128
	done
	ip -n $n xfrm state add src 10.0.0.2 dst 10.0.0.1 proto esp spi 0x2002 \
		reqid 2 mode transport aead 'rfc4106(gcm(aes))' $K 128
done
for n in ns1 ns2; do
	ip -n $n xfrm state add src 10.0.2.2 dst 10.0.2.1 proto esp spi 0x2009 \
		reqid 9 mode transport aead 'rfc4106(gcm(aes))' $K 128
done
ip -n ns2 xfrm policy add src 10.0.2.2 dst 10.0.2.1 dir out \
	tmpl src 10.0.2.2 dst 10.0.2.1 proto esp reqid 9 mode transport
ip -n ns1 xfrm policy add src 10.0.2.2 dst 10.0.2.1 dir in \
	tmpl src 10.0.2.2 dst 10.0.2.1 proto esp reqid 9 mode transport
ip -n ns1 xfrm policy add src 10.0.0.1 dst 10.0.0.2 dir out \
	tmpl src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1001 reqid 1 mode transport
ip -n ns2 xfrm policy add src 10.0.0.1 dst 10.0.0.2 dir in \
	tmpl src 10.0.0.1 dst 10.0.0.2 proto esp reqid 1 mode transport
check "the bridge lists sim0 (backend sim)" wait_for bridge_lists sim0 sim
check "sim0 registered, caps and max_sa announced" \
	sh -c "$NS1 ipso_genl devices | grep -q 'name=sim0 backend=sim caps=0x1fd max_sa=2'"

state_of() {	# SPI -> "state=... handle=... reason=..."
	$NS1 ipso_genl dump | grep "spi=0x0000$1" |
		sed -n 's/.*\(state=[a-z]* handle=[0-9]* reason=-\{0,1\}[0-9]*\).*/\1/p'
}
in_state() { state_of $1 | grep -q "state=$2"; }	# SPI STATE
wait_state() { wait_for in_state "$@"; }
$NS1 ipso_genl offload 4 10.0.0.2 0x1001 sim0 out >/dev/null
$NS1 ipso_genl offload 4 10.0.0.1 0x2002 sim0 in >/dev/null
check "0x1001 offloaded" wait_state 1001 offloaded
check "0x2002 offloaded" wait_state 2002 offloaded
$NS1 ipso_genl offload 4 10.0.0.2 0x1003 sim0 out >/dev/null
check "third SA with max_sa=2 is rejected" wait_state 1003 rejected
echo "  0x1003: $(state_of 1003)"
check "rejection reason is -ENOSPC" sh -c "echo '$(state_of 1003)' | grep -q 'reason=-28'"

# Injected failures: the next add fails once with the chosen errno.
check "raise max_sa to 8" sh -c "echo 8 > $P"
echo 5 > $DBG/fail_errno
echo 1 > $DBG/fail_next_add
$NS1 ipso_genl offload 4 10.0.0.2 0x1004 sim0 out >/dev/null
check "injected failure: REJECTED" wait_state 1004 rejected
check "injected failure: reason -EIO" sh -c "echo '$(state_of 1004)' | grep -q 'reason=-5'"
sleep 1
check "fault used once, not retried" [ "$(sim_stat fault_add_fail)" = 1 ]
check "fail_next_add back to 0" [ "$(cat $DBG/fail_next_add)" = 0 ]
sed 's/^/  errors: /' $DBG/errors
check "errors file names the failure" grep -q 'handle .* sa_add (injected): -5' $DBG/errors
echo 1500 > $DBG/add_delay_ms
$NS1 ipso_genl offload 4 10.0.0.2 0x1002 sim0 out >/dev/null
sleep 0.3
pending() { state_of 1002 | grep -q state=pending; }
check "delayed install is PENDING first" pending
check "delayed install then OFFLOADED" wait_state 1002 offloaded
echo 0 > $DBG/add_delay_ms

# Fail-closed transmit with forced marks.  A stale mark on a protected
# flow: the secpath still names 0x1001, the slow path encrypts it.
capture_start "$NS2" sim1 /run/in.pcap '' in
capture_ready
$NS2 netprobe udp-recv 5000 4 1 >/run/u1.out 2>&1 &
r=$!
sleep 0.3
slow0=$(sim_stat tx_slowpath)
$NS1 mark_udp 10.0.0.2 5000 0xe5000fff stale-protected >/dev/null
wait $r
check "stale mark, protected flow: delivered" grep -q stale-protected /run/u1.out
check "stale mark, protected flow: slow path used" [ "$(sim_stat tx_slowpath)" -gt "$slow0" ]
# A live mark (what the tc program writes): the fast path, no lookup.
h=$(state_of 1001 | sed -n 's/.*handle=\([0-9]*\).*/\1/p')
$NS2 netprobe udp-recv 5003 4 1 >/run/u4.out 2>&1 &
r=$!
sleep 0.3
slow0=$(sim_stat tx_slowpath)
enc0=$(sim_stat tx_encrypted)
$NS1 mark_udp 10.0.0.2 5003 $(printf '0x%08x' $((0xe5000000 | h))) live-mark >/dev/null
wait $r
check "live mark (handle $h): delivered" grep -q live-mark /run/u4.out
check "live mark: encrypted without the slow path" \
	[ "$(sim_stat tx_slowpath)" -eq "$slow0" -a "$(sim_stat tx_encrypted)" -gt "$enc0" ]
# A stale mark without a secpath: nothing names an SA, the NIC drops it.
$NS2 netprobe udp-recv 5001 3 1 >/run/u2.out 2>&1 &
r=$!
sleep 0.3
stale0=$(sim_stat tx_drop_stale)
$NS1 mark_udp 10.0.1.2 5001 0xe5000fff stale-unprotected >/dev/null
wait $r
grep -q stale-unprotected /run/u2.out && bad "stale mark without secpath was sent" ||
	ok "stale mark without secpath: not delivered"
check "stale mark without secpath: tx_drop_stale counted" [ "$(sim_stat tx_drop_stale)" -gt "$stale0" ]
# A live handle (0x1001's) on a flow no policy protects: the mark alone
# names no SA of this packet, the NIC must not encrypt it into 0x1001.
$NS2 netprobe udp-recv 5004 3 1 >/run/u5.out 2>&1 &
r=$!
sleep 0.3
stale0=$(sim_stat tx_drop_stale)
enc0=$(sim_stat tx_encrypted)
$NS1 mark_udp 10.0.1.2 5004 $(printf '0x%08x' $((0xe5000000 | h))) forged-mark >/dev/null
wait $r
grep -q forged-mark /run/u5.out && bad "live mark without secpath was delivered" ||
	ok "live mark without secpath: not delivered"
check "live mark without secpath: not encrypted, tx_drop_stale counted" \
	[ "$(sim_stat tx_encrypted)" -eq "$enc0" -a "$(sim_stat tx_drop_stale)" -gt "$stale0" ]
# The same unprotected flow without a mark passes like on veth.
$NS2 netprobe udp-recv 5002 4 1 >/run/u3.out 2>&1 &
r=$!
sleep 0.3
$NS1 mark_udp 10.0.1.2 5002 0 plain-unprotected >/dev/null
wait $r
check "unmarked unprotected flow: delivered" grep -q plain-unprotected /run/u3.out
capture_stop
capture_text /run/in.pcap >/run/in.txt
grep -E 'UDP' /run/in.txt | grep -q '10\.0\.0\.1' && bad "plaintext of the protected flow on the wire" ||
	ok "no plaintext of the protected flow on the wire"
check "ESP 0x1001 on the wire" grep -q 'ESP(spi=0x00001001' /run/in.txt

# ESP for an SA the NIC does not hold reaches the kernel unchanged.
$NS1 netprobe udp-recv 5004 4 1 >/run/u5.out 2>&1 &
r=$!
sleep 0.3
nosa0=$(sim_stat rx_no_sa)
$NS2 netprobe udp-send 10.0.2.1 5004 software-esp >/dev/null 2>&1
wait $r
check "ESP of a software SA: delivered by the kernel" grep -q software-esp /run/u5.out
check "ESP of a software SA: rx_no_sa counted" [ "$(sim_stat rx_no_sa)" -gt "$nosa0" ]
check "kernel decrypted it (SA 0x2009 counted)" sh -c \
	"/usr/sbin/ip -n ns1 -s xfrm state get src 10.0.2.2 dst 10.0.2.1 proto esp spi 0x2009 | grep -q ' 1(packets)'"

# Unplug during an offloaded TCP transfer: both ends vanish, offloads go,
# the kernel log stays clean (checked at the end).
$NS2 netprobe tcp-recv 6001 6 >/run/t.out 2>&1 &
r=$!
sleep 0.3
$NS1 netprobe tcp-send 10.0.0.2 6001 50000000 >/run/ts.out 2>&1 &
s=$!
sleep 1
enc=$(sim_stat tx_encrypted)
check "unplug sim0 during traffic ($enc frames encrypted so far)" sh -c "echo sim0 > $DBG/unplug"
sleep 0.5
# TCP would retry for minutes towards a vanished device: end both ends.
kill $s $r 2>/dev/null
wait $s $r 2>/dev/null
ip -n ns1 link show sim0 >/dev/null 2>&1 && bad "sim0 still there" || ok "sim0 gone"
ip -n ns2 link show sim1 >/dev/null 2>&1 && bad "sim1 still there" || ok "sim1 gone"
n=$(bridge_offloaded_count)
[ "$n" -eq 0 ] && ok "no offload left after unplug" || bad "$n offloads left after unplug"
sh -c "echo nosuch > $DBG/unplug" 2>/dev/null && bad "unplug of an unknown name accepted" ||
	ok "unplug of an unknown name refused"

# Module unload with a live offload.
check "new pair c0" ip -n ns1 link add c0 type ipsecsim
ip -n ns1 addr add 10.0.0.1/24 dev c0
ip -n ns1 link set c0 up
ip -n ns1 link set c0p up
sleep 0.3
$NS1 ipso_genl offload 4 10.0.0.2 0x1001 c0 out >/dev/null
check "0x1001 offloaded on c0" wait_state 1001 offloaded
check "rmmod simulated NIC with a live offload" rmmod ipsec_sim
n=$(bridge_offloaded_count)
[ "$n" -eq 0 ] && ok "offload gone with the module" || bad "$n offloads left after rmmod"
ip netns del ns1
ip netns del ns2
sleep 0.3
check "rmmod bridge" rmmod ipsec_offload
finish
