#!/bin/sh
# Without ESN an SA's 32-bit counter must stop at 2^32 - 1, never wrap to
# low numbers, whose AES-GCM nonces it has used already (docs/kmod.md,
# "Sequence numbers across the hand-overs").  An SA 48 numbers short of
# the top is offloaded in packet mode: the takeover floor is past the top,
# so the NIC sends nothing; after the hand-back software goes on from
# where the SA stood, and no low sequence number (a wrap) may appear on
# the wire.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
use_test_bins ipso_genl netprobe
sim_test_start ipv4-only poll_ms=60000

K=0x0102030405060708090a0b0c0d0e0f1011121314
for n in ns1 ns2; do
	ip -n $n xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1001 \
		reqid 1 mode transport aead 'rfc4106(gcm(aes))' $K 128 \
		replay-window 32 replay-oseq 0xffffffd0 ||
		bad "SA 0x1001 in $n, 48 numbers short of the top"
done
T="tmpl src 10.0.0.1 dst 10.0.0.2 proto esp reqid 1 mode transport"
ip -n ns1 xfrm policy add src 10.0.0.1 dst 10.0.0.2 proto udp dir out $T
ip -n ns2 xfrm policy add src 10.0.0.1 dst 10.0.0.2 proto udp dir in $T
oseq() {
	ip -n ns1 xfrm state get src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1001 |
		sed -n 's/.*oseq \(0x[0-9a-f]*\).*/\1/p'
}
echo "  ns1 oseq before: $(oseq)"
capture_start "$NS2" sim1 /run/w.pcap esp in
capture_ready
check "offload on sim0" $NS1 ipso_genl offload 4 10.0.0.2 0x1001 sim0 out
check "OFFLOADED" wait_bridge_offloaded 1
$NS1 netprobe udp-send 10.0.0.2 5000 via-nic 20 >/dev/null 2>&1
check "withdraw" $NS1 ipso_genl withdraw 4 10.0.0.2 0x1001 sim0
check "the offload is gone" wait_for sh -c \
	"[ \$($NS1 ipso_genl dump | grep -c 'state=') -eq 0 ]"
echo "  ns1 oseq after the hand-back: $(oseq)"
check "the kernel's counter did not fall below where it stood" \
	[ $(($(oseq))) -ge $((0xffffffd0)) ]
$NS1 netprobe udp-send 10.0.0.2 5000 via-software 20 >/dev/null 2>&1
capture_stop
capture_text /run/w.pcap | grep -o 'seq=0x[0-9a-f]*' | sort -u >/run/w.seq
echo "  sequence numbers on the wire: $(tr '\n' ' ' </run/w.seq)"
low=0
for q in $(sed 's/^seq=//' /run/w.seq); do
	[ $((q)) -lt $((0xffffffd0)) ] && low=$((low + 1))
done
check "no number below where the SA stood ($low)" [ "$low" -eq 0 ]
dups=$(capture_text /run/w.pcap | grep -o 'seq=0x[0-9a-f]*' | sort | uniq -d | wc -l)
check "no number twice ($dups)" [ "$dups" -eq 0 ]
check "software sent above it" [ "$(wc -l </run/w.seq)" -ge 1 ]

offload_teardown
finish
