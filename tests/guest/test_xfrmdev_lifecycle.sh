#!/bin/sh
# The xfrmdev backend drives a crypto-offload NIC with the kernel's own
# lifecycle (docs/kmod.md, "The xfrmdev backend"):
#  - withdrawing an offload under a paced stream loses nothing and leaves
#    the binding with its state, so no driver context is freed while a
#    packet may still name it (tx_drop_stale 0);
#  - taking the device down returns our bindings to software instead of
#    letting xfrm_dev_down() delete the SAs; traffic resumes in software
#    when the link comes back;
#  - binding a live SA under traffic sends nothing in clear.
# Simulated NIC in crypto mode (mlx5e's contract), stock software IPsec on
# the peer, IPv4 and IPv6 transport.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
offload_require_modules
use_test_bins ipso_genl netprobe
load_stock_modules
check "sim0 in crypto mode, claimed by the xfrmdev backend" crypto_sim_setup
D=$SIM_DEBUGFS/devices

xfrm_pairs_v4_v6
SAS="4 10.0.0.2 0x1001 out|4 10.0.0.1 0x2002 in|6 fd00::2 0x3003 out|6 fd00::1 0x4004 in"

offer_all() {
	local IFS='|' s
	for s in $SAS; do
		IFS=' '
		_offload_sim0 $s || return 1
	done
}
withdraw_all() {
	local IFS='|' s
	for s in $SAS; do
		IFS=' '
		set -- $s
		$NS1 ipso_genl withdraw "$1" "$2" "$3" sim0 >/dev/null || return 1
	done
}
# States of ns1 the kernel shows bound to sim0 / all ESP states of ns1.
bound_count() { ip -n ns1 xfrm state | grep -c 'crypto offload parameters: dev sim0'; }
state_count() { ip -n ns1 xfrm state | grep -c '^src '; }
nic_sa_count() { grep -c 'crypto 1' $D; }

# The peer's count of ESP it could not authenticate: what a packet the
# NIC should have encrypted but sent in clear produces.
peer_icv_errors() {
	$NS2 awk '$1 == "XfrmInStateProtoError" { print $2 }' /proc/net/xfrm_stat
}
# [LOSS=N] stream NAME ACTION...: 300 datagrams each way over IPv4 and
# IPv6, 10 ms apart, with ACTION run 1 s in; at most N (default 0) may be
# lost, and the peer must authenticate every ESP packet it gets.
stream() {
	local what=$1 p r s loss=${LOSS:-0} got
	shift
	$NS2 netprobe udp-count 5010 4 >/run/s4.out 2>&1 & r="$!"
	$NS2 netprobe udp-count 5011 4 >/run/s6.out 2>&1 & r="$r $!"
	sleep 0.3
	$NS1 netprobe udp-pace 10.0.0.2 5010 300 10 >/dev/null & s="$!"
	$NS1 netprobe udp-pace fd00::2 5011 300 10 >/dev/null & s="$s $!"
	sleep 1
	"$@" || bad "$what: the action failed"
	for p in $s $r; do wait "$p"; done
	awk '$1 ~ /^tx_/ && $2 != 0 { printf "  sim0 %s %s\n", $1, $2 }' $D
	$NS2 awk '$2 != 0 { print "  ns2 " $0 }' /proc/net/xfrm_stat
	for p in 4 6; do
		sed "s/^/  IPv$p: /" /run/s$p.out
		got=$(sed -n 's/.*received \([0-9]*\) .*duplicate 0 .*/\1/p' /run/s$p.out)
		[ "${got:-0}" -ge $((300 - loss)) ] &&
			ok "$what: IPv$p stream lost at most $loss" ||
			bad "$what: IPv$p stream lost datagrams"
	done
	check "$what: nothing sent in clear (peer ICV errors 0)" \
		[ "$(peer_icv_errors)" -eq 0 ]
}

check "offload 4 SAs on sim0" offer_all
check "4 offloads OFFLOADED" wait_bridge_offloaded 4
check "the kernel shows 4 states bound to sim0" [ "$(bound_count)" -eq 4 ]
check "the NIC holds 4 crypto SAs" [ "$(nic_sa_count)" -eq 4 ]

tx0=$(sim_stat tx_encrypted)
stream "withdraw" withdraw_all
echo "  tx_encrypted $tx0 -> $(sim_stat tx_encrypted), tx_drop_stale $(sim_stat tx_drop_stale)"
check "withdraw: the bridge holds no offload" wait_for sh -c \
	"[ \$($NS1 ipso_genl dump | grep -c 'state=') -eq 0 ]"
check "withdraw: the bindings stay with their states" [ "$(bound_count)" -eq 4 ]
check "withdraw: the NIC kept encrypting" [ "$(sim_stat tx_encrypted)" -ge $((tx0 + 600)) ]
check "withdraw: no packet met a freed SA" [ "$(sim_stat tx_drop_stale)" -eq 0 ]

check "offer again: our own bindings are taken back" offer_all
check "offer again: 4 offloads OFFLOADED" wait_bridge_offloaded 4
# IPv6 would drop the addresses with the link, and the test its stream.
$NS1 sh -c 'echo 1 >/proc/sys/net/ipv6/conf/sim0/keep_addr_on_down'
check "link down sim0" ip -n ns1 link set sim0 down
check "link down: every SA still in ip xfrm state" [ "$(state_count)" -eq 4 ]
check "link down: no state bound to sim0" [ "$(bound_count)" -eq 0 ]
check "link down: the NIC freed its SAs" wait_for sh -c "[ \$(grep -c 'crypto 1' $D) -eq 0 ]"
check "link up sim0" ip -n ns1 link set sim0 up
sleep 1
tx0=$(sim_stat tx_encrypted)
stream "after link up, in software" true
check "after link up: software crypto, the NIC encrypted nothing" \
	[ "$(sim_stat tx_encrypted)" -eq "$tx0" ]

# Binding a live SA: a packet that meets it before the driver finished
# is dropped (as mlx5e drops one without offload_handle), never sent in
# clear; the old order sent it unencrypted.
LOSS=3 stream "offer under traffic" offer_all
check "4 offloads OFFLOADED again" wait_bridge_offloaded 4
check "bound again" [ "$(bound_count)" -eq 4 ]

# The kernel frees the bindings through the driver when the states go.
ip -n ns1 xfrm state flush
check "flush: the NIC freed every SA" wait_for sh -c "[ \$(grep -c 'crypto 1' $D) -eq 0 ]"
offload_teardown
check "rmmod esp4_offload esp6_offload" rmmod_when_free esp4_offload esp6_offload
finish
