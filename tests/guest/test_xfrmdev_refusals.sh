#!/bin/sh
# One case per mlx5e acceptance rule (docs/sim-nic.md, "Acceptance
# rules"): the simulated NIC's crypto face refuses what a ConnectX would,
# the bridge records REJECTED with the driver's own words where the
# kernel lets a driver give them (extack, 6.3 and later), and the SA keeps
# working in software.  The peer is stock software IPsec.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
offload_require_modules
use_test_bins ipso_genl netprobe
load_stock_modules
check "sim0 in crypto mode, claimed by the xfrmdev backend" crypto_sim_setup ipv4-only
ip -n ns1 route add 10.9.0.0/16 dev sim0
case $(uname -r) in
6.1.*) extack=0; echo "note: 6.1's xdo_dev_state_add has no extack: only the bridge's own refusals carry words" ;;
*) extack=1 ;;
esac

K128=0x0102030405060708090a0b0c0d0e0f1011121314
K192=0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c

# [MODE=tunnel] refusal N SPI WHO WORDS -- STATE-ARGS...: an outbound SA
# 10.0.0.1 -> 10.9.N.2 (transport mode unless MODE says) with STATE-ARGS
# in both namespaces, its policies, offered on sim0.  WHO says which side refuses: "driver" (words only with extack)
# or "bridge" (words on every kernel).  WORDS: what the message says.
refusal() {
	local n=$1 spi=$2 who=$3 words=$4 dst=10.9.$1.2 line proto=udp
	local mode=${MODE:-transport}
	shift 5
	case " $* " in *" proto icmp "*) proto=icmp ;; esac
	ip -n ns2 addr add $dst/32 dev lo
	for ns in ns1 ns2; do
		ip -n $ns xfrm state add src 10.0.0.1 dst $dst proto esp spi $spi \
			reqid $((100 + n)) mode $mode "$@" ||
			{ bad "rule $n: the kernel refused the state itself"; return; }
	done
	local t="tmpl src 10.0.0.1 dst $dst proto esp reqid $((100 + n)) mode $mode"
	ip -n ns1 xfrm policy add src 10.0.0.1 dst $dst proto $proto dir out $t
	ip -n ns2 xfrm policy add src 10.0.0.1 dst $dst proto $proto dir in $t
	$NS1 ipso_genl offload 4 $dst $spi sim0 out >/dev/null 2>&1
	wait_for sh -c "$NS1 ipso_genl dump | grep -q 'daddr=$dst .*state=rejected'"
	line=$($NS1 ipso_genl dump | grep "daddr=$dst ")
	echo "  rule $n: $line"
	case $line in
	*state=rejected*) ok "rule $n: REJECTED" ;;
	*) bad "rule $n: not rejected" ;;
	esac
	if [ "$who" = bridge ] || [ $extack = 1 ]; then
		case $line in
		*msg=*"$words"*) ok "rule $n: the reason is given: $words" ;;
		*) bad "rule $n: no message saying '$words'" ;;
		esac
	fi
	[ "$(bound_to_sim0 $spi)" = 0 ] && ok "rule $n: not bound in the kernel" ||
		bad "rule $n: the kernel shows it bound"
}
bound_to_sim0() {
	ip -n ns1 xfrm state get src 10.0.0.1 dst 10.9.$n.2 proto esp spi $1 |
		grep -c 'crypto offload parameters'
}
# in_software N: a datagram (ping for ICMP) crosses the SA in software.
in_software() {
	local n=$1 r tx0
	tx0=$(sim_stat tx_encrypted)
	if [ "${2:-}" = icmp ]; then
		check "rule $n: ping over the SA in software" $NS1 ping -c 2 -W 3 10.9.$n.2
	else
		$NS2 netprobe udp-recv $((5100 + n)) 5 1 >/run/r$n.out 2>&1 & r=$!
		sleep 0.3
		$NS1 netprobe udp-send 10.9.$n.2 $((5100 + n)) rule$n >/dev/null 2>&1
		wait $r
		check "rule $n: a datagram crosses the SA in software" grep -q rule$n /run/r$n.out
	fi
	check "rule $n: the NIC encrypted none of it" [ "$(sim_stat tx_encrypted)" -eq "$tx0" ]
	check "rule $n: the peer decrypted it" [ "$(ip -n ns2 -s xfrm state | grep -c .)" -gt 0 ]
}

refusal 1 0x7001 driver "16-byte ICV" -- aead 'rfc4106(gcm(aes))' $K128 96
in_software 1
refusal 2 0x7002 driver "128 or 256 bits" -- aead 'rfc4106(gcm(aes))' $K192 128
in_software 2
# xfrmdev_ops can be asked about ESN only: no advance_esn, no ESN.
refusal 3 0x7003 bridge "ESN" -- aead 'rfc4106(gcm(aes))' $K128 128 flag esn replay-window 32
in_software 3
# The kernel takes TFC padding in tunnel mode only.
MODE=tunnel refusal 4 0x7004 bridge "TFC padding" -- aead 'rfc4106(gcm(aes))' $K128 128 tfcpad 64
in_software 4
refusal 5 0x7005 driver "selector's protocol" -- aead 'rfc4106(gcm(aes))' $K128 128 \
	sel src 10.0.0.1 dst 10.9.5.2 proto icmp
in_software 5 icmp
# No traffic for NAT-T: the receiver needs an IKE daemon's UDP socket.
if [ $extack = 1 ]; then
	refusal 6 0x7006 driver "packet mode only" -- aead 'rfc4106(gcm(aes))' $K128 128 \
		encap espinudp 4500 4500 0.0.0.0
else
	refusal 6 0x7006 bridge "UDP encapsulation" -- aead 'rfc4106(gcm(aes))' $K128 128 \
		encap espinudp 4500 4500 0.0.0.0
fi

offload_teardown
check "rmmod esp4_offload esp6_offload" rmmod_when_free esp4_offload esp6_offload
finish
