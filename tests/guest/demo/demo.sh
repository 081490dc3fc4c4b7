#!/bin/sh
# Demo scenario, printed as a short report.  Today: the stock-kernel ESP
# baseline between two namespaces (the path the offload is measured
# against).  Exits non-zero if any step fails.
. /opt/ipso/tests/guest/lib.sh
say() { echo; echo "== $*"; }
load_stock_modules
ns_pair_veth
K=0x0102030405060708090a0b0c0d0e0f1011121314
for n in ns1 ns2; do
	ip -n $n xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1001 \
		reqid 1 mode transport aead 'rfc4106(gcm(aes))' $K 128
	ip -n $n xfrm state add src 10.0.0.2 dst 10.0.0.1 proto esp spi 0x2002 \
		reqid 2 mode transport aead 'rfc4106(gcm(aes))' $K 128
done
for d in "1 2 out 1" "2 1 in 2"; do
	set -- $d
	ip -n ns1 xfrm policy add src 10.0.0.$1 dst 10.0.0.$2 dir $3 \
		tmpl src 10.0.0.$1 dst 10.0.0.$2 proto esp reqid $4 mode transport
done
for d in "2 1 out 2" "1 2 in 1"; do
	set -- $d
	ip -n ns2 xfrm policy add src 10.0.0.$1 dst 10.0.0.$2 dir $3 \
		tmpl src 10.0.0.$1 dst 10.0.0.$2 proto esp reqid $4 mode transport
done
say "SAs in ns1 (keys are the kernel's business; shown by ip only)"
ip -n ns1 xfrm state | grep -E '^src|proto esp'
wire_capture_start veth1 veth2 'host 10.0.0.2'
say "traffic: 3 pings and a 1 MB TCP transfer ns1 -> ns2"
$NS1 ping -c 3 -W 2 10.0.0.2 | tail -n 2 || bad "ping"
$NS2 netprobe tcp-recv 5001 20 >/run/tcp.out &
rx=$!
sleep 0.5
$NS1 netprobe tcp-send 10.0.0.2 5001 1048576 || bad "tcp send"
wait $rx || bad "tcp receive"
cat /run/tcp.out
capture_stop
say "wire capture excerpt (what each end transmits)"
wire_text | head -n 6
wire_text | grep -Eq 'ICMP|UDP|Flags' && bad "plaintext on the wire"
say "SA counters (ns1)"
ip -n ns1 -s xfrm state | grep -A1 'lifetime current' | grep -v lifetime
finish
