#!/bin/sh
# TSO through packet offload (docs/sim-nic.md, "TSO"): with the sim's
# tso=1 the host end offers scatter-gather, checksum and TCP
# segmentation as mlx5e does, so the kernel hands a packet-offloaded
# flow's TCP super-packets to the NIC whole; the NIC cuts each into
# MSS-sized frames and encrypts every one under its own sequence number.
# A 64 MB transfer over IPv4 transport and 8 MB over IPv6 tunnel: the
# NIC's counters show the super-packets and their size, the receiver
# checks every byte of the stream, nothing leaves in plaintext.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
case $(uname -r) in
6.1.*) skip "packet offload (XFRM_DEV_OFFLOAD_PACKET), the kernel path that keeps super-packets whole for an IPsec flow, exists from 6.2 on" ;;
esac
offload_require_modules
use_test_bins xfrm_pkt netprobe
load_stock_modules
check "bridge (xfrmdev backend) and sim modules, sim0 with TSO on" \
	offload_modules xfrmdev_backend=1 -- crypto_mode=1 tso=1
check "sim pair ns1:sim0 <-> ns2:sim1" ns_pair_sim
check "inner hosts for tunnel mode" pkt_inner_hosts
check "transport IPv4 in packet mode (0x1000 out, 0x1001 in)" \
	pkt_pair transport 10.0.0.1 10.0.0.2 0x1000 10
check "tunnel IPv6 in packet mode (0x4000, 0x4001)" \
	pkt_pair tunnel fd00::1 fd00::2 0x4000 40 fd01::1 fd02::1
check "wire audit on sim1" wire_audit_start "$NS2" sim1

# tso_transfer WHAT ADDR BYTES SPI: the transfer, then the NIC's figures.
tso_transfer() {
	local g0 b0 s0 e0 p0 g b s e p
	g0=$(sim_stat tx_gso) b0=$(sim_stat tx_gso_bytes)
	s0=$(sim_stat tx_gso_segs) e0=$(sim_stat tx_encrypted)
	p0=$(sim_sa_field "$4" packets)
	check "TCP $3 bytes $1, the stream intact at the peer" \
		tcp_transfer "$NS1" "$NS2" "$2" "$3"
	g=$(($(sim_stat tx_gso) - g0)) b=$(($(sim_stat tx_gso_bytes) - b0))
	s=$(($(sim_stat tx_gso_segs) - s0)) e=$(($(sim_stat tx_encrypted) - e0))
	p=$(($(sim_sa_field "$4" packets) - p0))
	echo "  $1: $g super-packets, $b bytes, $s segments; $e frames encrypted, SA $4 counted $p"
	check "$1: the kernel handed sim0 super-packets" [ "$g" -gt 0 ]
	[ "$g" -gt 0 ] || return
	# TCP sizes its super-packets to its rate: tens of KB once a stream
	# is going, less in a short one; four MTU frames is the floor for
	# "the NIC, not the stack, segments".
	check "$1: they average over four 1500-byte frames ($((b / g)) bytes)" \
		[ $((b / g)) -gt 6000 ]
	check "$1: each was cut into MSS-sized frames ($((s / g)) on average)" \
		[ "$s" -gt "$g" ]
	check "$1: every frame encrypted" [ "$e" -ge "$s" ]
	check "$1: SA $4 counted every segment" [ "$p" -ge "$s" ]
}
tso_transfer "IPv4 transport" 10.0.0.2 67108864 1000
tso_transfer "IPv6 tunnel" fd02::1 8388608 4000
echo "  $(wire_audit_summary)"
check "ESP on the wire" [ "$(wire_audit_count esp)" -gt 0 ]
check "no plaintext on the wire" [ "$(wire_audit_count plaintext)" -eq 0 ]
check "no frame dropped by the NIC" \
	[ "$(($(sim_stat tx_drop_error) + $(sim_stat tx_drop_stale)))" -eq 0 ]
offload_teardown
finish
