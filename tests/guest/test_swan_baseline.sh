#!/bin/sh
# strongSwan on both sides with stock kernel IPsec (no offload): IKEv2,
# AES-GCM ESP, transport and tunnel mode, IPv4 and IPv6.  The scenario the
# offload end-to-end test reuses with the accelerator on one side.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_swan.sh
[ -x /usr/lib/ipsec/charon ] || skip "strongSwan not in the guest image"
load_stock_modules
ns_pair_veth
swan_topology
swan_conf 1
swan_conf 2
check "charon ns2 up" swan_start 2
check "charon ns1 up" swan_start 1
for c in v4-transport v4-tunnel v6-transport v6-tunnel; do
	check "initiate $c" swanctl_n 1 --initiate --child "$c" --timeout 20 \
		>>/run/initiate.log 2>&1
done
swanctl_n 1 --list-sas | sed 's/^/  /'
n=$(ip -n ns1 xfrm state | grep -c '^src')
check "ns1 has 8 SAs ($n)" [ "$n" -eq 8 ]

wire_capture_start veth1 veth2 'not udp port 500 and not udp port 4500'
check "ping v4 transport" $NS1 ping -c 2 -W 2 10.0.0.2
check "ping v6 transport" $NS1 ping -c 2 -W 2 fd00::2
check "ping v4 tunnel" $NS1 ping -c 2 -W 2 -I 192.168.1.1 192.168.2.1
check "ping v6 tunnel" $NS1 ping -c 2 -W 2 -I fd01:1::1 fd01:2::1
capture_stop
wire_text >/run/swan.txt
head -n 8 /run/swan.txt | sed 's/^/  wire: /'
check "ESP on the wire" grep -q 'ESP(spi=' /run/swan.txt
# Neighbour discovery may cross in the clear (no policy covers it); the
# protected flows (echo request/reply) must not.
grep -E 'ICMP echo|ICMP6, echo' /run/swan.txt | head -n 3 | sed 's/^/  plaintext: /'
check "no plaintext echo on the wire" sh -c '! grep -Eq "ICMP echo|ICMP6, echo" /run/swan.txt'
swan_stop
[ $fails -eq 0 ] || swan_dump_logs
finish
