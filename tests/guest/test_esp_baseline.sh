#!/bin/sh
# Baseline the offload path is compared with: stock kernel IPsec between
# two namespaces over veth, rfc4106(gcm(aes)) SA pairs and policies for
# IPv4 and IPv6.  Asserts that only ESP crosses the wire and that the
# payload is delivered, then that the kernel's SA counters moved.
. /opt/ipso/tests/guest/lib.sh
load_stock_modules
ns_pair_veth

K12=0x0102030405060708090a0b0c0d0e0f1011121314
K21=0x2122232425262728292a2b2c2d2e2f3031323334
sa_pair() {	# A B SPI_AB SPI_BA REQID_BASE
	for n in ns1 ns2; do
		ip -n $n xfrm state add src "$1" dst "$2" proto esp spi "$3" \
			reqid "$5" mode transport aead 'rfc4106(gcm(aes))' $K12 128
		ip -n $n xfrm state add src "$2" dst "$1" proto esp spi "$4" \
			reqid $(($5 + 1)) mode transport aead 'rfc4106(gcm(aes))' $K21 128
	done
	ip -n ns1 xfrm policy add src "$1" dst "$2" dir out tmpl src "$1" dst "$2" proto esp reqid "$5" mode transport
	ip -n ns1 xfrm policy add src "$2" dst "$1" dir in tmpl src "$2" dst "$1" proto esp reqid $(($5 + 1)) mode transport
	ip -n ns2 xfrm policy add src "$2" dst "$1" dir out tmpl src "$2" dst "$1" proto esp reqid $(($5 + 1)) mode transport
	ip -n ns2 xfrm policy add src "$1" dst "$2" dir in tmpl src "$1" dst "$2" proto esp reqid "$5" mode transport
}
check "IPv4 SA pair and policies" sa_pair 10.0.0.1 10.0.0.2 0x1001 0x2002 1
check "IPv6 SA pair and policies" sa_pair fd00::1 fd00::2 0x3003 0x4004 3

wire_capture_start veth1 veth2 'host 10.0.0.2 or host fd00::2'
check "ping IPv4 over ESP" $NS1 ping -c 3 -W 2 10.0.0.2
check "ping IPv6 over ESP" $NS1 ping -c 3 -W 2 fd00::2
$NS2 netprobe udp-recv 5000 5 2 >/run/udp.out 2>&1 &
rx=$!
sleep 0.3
check "UDP send IPv4" $NS1 netprobe udp-send 10.0.0.2 5000 baseline-v4
check "UDP send IPv6" $NS1 netprobe udp-send fd00::2 5000 baseline-v6
wait $rx
check "UDP IPv4 payload delivered" grep -q baseline-v4 /run/udp.out
check "UDP IPv6 payload delivered" grep -q baseline-v6 /run/udp.out
capture_stop

wire_text >/run/esp.txt
sed 's/^/  wire: /' /run/esp.txt | head -n 12
check "wire shows ESP SPI 0x1001 (v4 out)" grep -q 'ESP(spi=0x00001001' /run/esp.txt
check "wire shows ESP SPI 0x2002 (v4 back)" grep -q 'ESP(spi=0x00002002' /run/esp.txt
check "wire shows ESP SPI 0x3003 (v6 out)" grep -q 'ESP(spi=0x00003003' /run/esp.txt
check "wire shows no plaintext ICMP/UDP" sh -c '! grep -Eq "ICMP|UDP" /run/esp.txt'

pkts=$(ip -n ns1 -s xfrm state get src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1001 |
	sed -n 's/.* \([0-9]*\)(packets).*/\1/p' | head -n1)
echo "  ns1 SA 0x1001 packets: $pkts"
check "SA 0x1001 counted packets (>= 4)" [ "${pkts:-0}" -ge 4 ]
finish
