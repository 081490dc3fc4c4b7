#!/bin/sh
# Software and the NIC number the same outbound SA in one stream, and no
# number is used twice (docs/kmod.md, "Sequence numbers across the
# hand-overs").  A fast stream (one datagram a millisecond) mixes small
# datagrams, which the NIC encrypts, with 3000-byte ones, too big for the
# path MTU once encapsulated: those skip the TX hook and software builds
# and fragments their ESP while the offload stays.  Then an UPDSA of the
# SA, mid-stream, hands the SA back to software, and a new offload takes
# it over again.  A number used twice is an AES-GCM nonce used twice, and
# the peer (replay window 32) drops the second packet as a replay: the
# peer must count no replay, no (SPI, seq) pair may appear twice on the
# wire, and every datagram must arrive.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
use_test_bins ipso_genl netprobe
sim_test_start ipv4-only poll_ms=60000

K=0x0102030405060708090a0b0c0d0e0f1011121314
check "SA 0x1001 and UDP policies ns1 -> ns2" \
	xfrm_udp_one_way ns1 ns2 10.0.0.1 10.0.0.2 0x1001 1 $K
check "offload on sim0" $NS1 ipso_genl offload 4 10.0.0.2 0x1001 sim0 out
check "OFFLOADED on sim0" wait_bridge_offloaded 1

# The sequence numbers on the wire, as the peer receives them (the NIC
# encrypts behind its own egress tap): first fragments carry ESP headers.
wire_seqs() {	# PCAP -> one "spi seq" line per ESP packet
	capture_text "$1" | sed -n 's/.*ESP(spi=\(0x[0-9a-f]*\),seq=\(0x[0-9a-f]*\)).*/\1 \2/p'
}
# mixed_stream PORT COUNT: every 4th datagram is 3000 bytes
mixed_stream() {
	$NS2 netprobe udp-count "$1" 3 >/run/stream$1.out &
	r=$!
	check "the receiver is bound" udp_wait_bound ns2 "$1"
	$NS1 netprobe udp-pace 10.0.0.2 "$1" "$2" 1 4 3000 >/run/pace$1.out &
	s=$!
}

capture_start "$NS2" sim1 /run/mixed.pcap esp in
capture_ready
enc0=$(sim_stat tx_encrypted)
pass0=$(sim_stat tx_passthrough)
mixed_stream 5000 2000
wait $s
wait $r
sed 's/^/  mixed stream: /' /run/stream5000.out /run/pace5000.out
enc1=$(sim_stat tx_encrypted)
pass1=$(sim_stat tx_passthrough)
echo "  NIC encrypted $((enc1 - enc0)); software ESP through the NIC $((pass1 - pass0)) frames"
check "the NIC encrypted the small datagrams" [ $((enc1 - enc0)) -ge 1000 ]
check "software encrypted the big ones (two fragments each)" \
	[ $((pass1 - pass0)) -ge 500 ]
check "the offload stays" sh -c \
	"$NS1 ipso_genl dump | grep 'dev=sim0' | grep -q state=offloaded"

# UPDSA mid-stream: the offload goes, software numbers above the NIC.
# The hand-back is exact, so the NIC drops (fail closed, counted stale)
# a datagram that passed the TX hook before it turned back and reaches
# the NIC after (docs/kmod.md): only a sender preempted in between.
stale0=$(sim_stat tx_drop_stale)
mixed_stream 5001 2000
sleep 0.7
check "UPDSA of the offloaded SA mid-stream" \
	ip -n ns1 xfrm state update src 10.0.0.1 dst 10.0.0.2 proto esp \
	spi 0x1001 reqid 1 mode transport \
	aead 'rfc4106(gcm(aes))' $K 128 replay-window 32
# The bridge refuses a new offload (EBUSY, "retry") until the old one's
# teardown is over and its entry has left the dump.
check "the UPDSA withdrew the offload" wait_for sh -c \
	"! $NS1 ipso_genl dump | grep -q 'dev=sim0'"
check "offload again" $NS1 ipso_genl offload 4 10.0.0.2 0x1001 sim0 out
check "OFFLOADED again" wait_bridge_offloaded 1
wait $s
wait $r
capture_stop
sed 's/^/  stream across the UPDSA: /' /run/stream5001.out /run/pace5001.out
stale=$(($(sim_stat tx_drop_stale) - stale0))
lost=$(sed -n 's/.* lost \([0-9]*\) .*/\1/p' /run/stream5001.out)
echo "  across the UPDSA: lost ${lost:-?}; the NIC dropped $stale as stale"
[ "${lost:-1}" = 0 ] || loss_report

wire_seqs /run/mixed.pcap >/run/mixed.seq
n=$(wc -l </run/mixed.seq)
dups=$(sort /run/mixed.seq | uniq -d | wc -l)
echo "  ESP packets on the wire: $n; (SPI, seq) pairs seen twice: $dups"
sort /run/mixed.seq | uniq -d | head -n 3 | sed 's/^/  twice: /'
check "ESP of both streams on the wire ($n)" [ "$n" -ge 3000 ]
check "no (SPI, seq) pair twice on the wire ($dups)" [ "$dups" -eq 0 ]
check "the peer counts no replay" [ "$(xfrm_replays ns2)" -eq 0 ]
check "mixed stream: all 2000 datagrams, none lost" \
	grep -q "received 2000 lost 0 " /run/stream5000.out
# LOST STALE: no more lost than the NIC dropped, and only a few of those
lost_at_handback() {
	[ -n "$1" ] && [ "$1" -le "$2" ] && [ "$2" -le 8 ]
}
check "across the UPDSA: all arrived but the NIC's stale drops ($lost <= $stale <= 8)" \
	lost_at_handback "$lost" "$stale"
check "across the UPDSA: nothing dropped by the receiving socket" \
	grep -q " socket-dropped 0$" /run/stream5001.out

offload_teardown
finish
