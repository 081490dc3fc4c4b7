#!/bin/sh
# Crypto mode of the simulated NIC (docs/sim-nic.md): sim0 created with
# crypto_mode=1 is a crypto-offload NIC (xfrmdev_ops, NETIF_F_HW_ESP) as
# mlx5e is on 6.1; the bridge's xfrmdev backend (the mlx5 adapter,
# xfrmdev_backend=1) claims it and binds offloaded SAs to it; the kernel
# builds ESP, the NIC encrypts and decrypts in place.  Transport IPv4 and
# IPv6, tunnel IPv4.  Peer: stock software IPsec.  Also the kernel's own
# `offload dev` path.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
offload_require_modules
use_test_bins ipso_genl
load_stock_modules
check "ESP offload types, the bridge with the xfrmdev backend, the sim in crypto mode" \
	crypto_mode_modules
D=$SIM_DEBUGFS/devices

check "crypto-mode pair ns1:sim0 <-> ns2:sim1" ns_pair_sim
ip -n ns1 addr add 10.0.1.1/24 dev sim0
ip -n ns2 addr add 10.0.1.2/24 dev sim1
sim_inner_hosts
check "the bridge's xfrmdev backend claimed sim0" bridge_lists sim0 xfrmdev

xfrm_pairs_v4_v6
check "IPv4 tunnel SAs" xfrm_pair tunnel 10.0.0.1 10.0.0.2 0x5005 0x6006 5 $K12 $K21 \
	192.168.1.0/24 192.168.2.0/24 -- replay-window 32
offload_on_sim0 "4 10.0.0.2 0x1001 out" "4 10.0.0.1 0x2002 in" \
	"6 fd00::2 0x3003 out" "6 fd00::1 0x4004 in" \
	"4 10.0.0.2 0x5005 out" "4 10.0.0.1 0x6006 in"
wait_bridge_offloaded 6
$NS1 ipso_genl dump | sed 's/^/  /'
n=$(bridge_offloaded_count)
[ "$n" -eq 6 ] && ok "6 SAs bound to sim0 by the xfrmdev backend" || bad "$n of 6 SAs offloaded"
check "NIC holds 6 crypto-mode SAs" sh -c "grep -c 'crypto 1' $D | grep -qx 6"

capture_start "$NS2" sim1 /run/in.pcap '' in
capture_ready
check "ping ns1 -> ns2 IPv4" $NS1 ping -c 3 -W 3 10.0.0.2
check "ping ns2 -> ns1 IPv4" $NS2 ping -c 3 -W 3 10.0.0.1
check "ping ns1 -> ns2 IPv6" $NS1 ping -c 3 -W 3 fd00::2
check "ping ns2 -> ns1 IPv6" $NS2 ping -c 3 -W 3 fd00::1
check "TCP 1 MB ns1 -> ns2" tcp_transfer "$NS1" "$NS2" 10.0.0.2 1000000
check "TCP 1 MB ns2 -> ns1" tcp_transfer "$NS2" "$NS1" 10.0.0.1 1000000
check "ping ns1 -> ns2 tunnel" $NS1 ping -c 3 -W 3 192.168.2.1
check "ping ns2 -> ns1 tunnel" $NS2 ping -c 3 -W 3 192.168.1.1
check "TCP 1 MB ns1 -> ns2 tunnel" tcp_transfer "$NS1" "$NS2" 192.168.2.1 1000000
capture_stop
capture_text /run/in.pcap >/run/in.txt
expect_spis /run/in.txt "wire from sim0" ESP 1001 3003 5005
grep -v ESP /run/in.txt | grep -E 'ICMP echo|ICMP6, echo|UDP|Flags \[' |
	grep -vE '192\.168\.[12]\.1' >/run/plain.txt
[ -s /run/plain.txt ] && { bad "plaintext from sim0"; head -n 3 /run/plain.txt; } ||
	ok "no plaintext from sim0 on the wire"
awk '$1 ~ /^(tx_enc|tx_pass|tx_drop|rx_dec|rx_auth|rx_no)/' $D | tr '\n' ' '
echo
tx=$(sim_stat tx_encrypted)
rx=$(sim_stat rx_decrypted)
[ "${tx:-0}" -ge 700 ] && [ "${rx:-0}" -ge 700 ] &&
	ok "the NIC encrypted ($tx) and decrypted ($rx) in crypto mode" ||
	bad "NIC crypto counters too low: tx $tx rx $rx"
# In crypto mode the kernel keeps the lifetime counters itself (per GSO
# skb, so they are not comparable packet for packet with the peer's).
check "kernel counted 0x1001 (out) itself" [ "$(sa_packets ns1 0x00001001)" -gt 0 ]
check "kernel counted 0x2002 (in) itself" [ "$(sa_packets ns1 0x00002002)" -gt 0 ]
check "kernel counted tunnel 0x5005 (out)" [ "$(sa_packets ns1 0x00005005)" -gt 0 ]
check "kernel counted tunnel 0x6006 (in)" [ "$(sa_packets ns1 0x00006006)" -gt 0 ]

# The kernel's own crypto offload on the same NIC (no bridge involved).
for n in ns1 ns2; do
	off=
	[ $n = ns1 ] && off="offload dev sim0 dir out"
	ip -n $n xfrm state add src 10.0.1.1 dst 10.0.1.2 proto esp spi 0x5005 reqid 5 \
		mode transport aead 'rfc4106(gcm(aes))' $K12 128 $off
done
ip -n ns1 xfrm policy add src 10.0.1.1 dst 10.0.1.2 dir out \
	tmpl src 10.0.1.1 dst 10.0.1.2 proto esp reqid 5 mode transport
ip -n ns2 xfrm policy add src 10.0.1.1 dst 10.0.1.2 dir in \
	tmpl src 10.0.1.1 dst 10.0.1.2 proto esp reqid 5 mode transport
ip -n ns1 xfrm state get src 10.0.1.1 dst 10.0.1.2 proto esp spi 0x5005 | grep -q 'crypto offload parameters: dev sim0' &&
	ok "kernel-native offload dev sim0 accepted" || bad "kernel-native offload not bound"
$NS2 netprobe udp-recv 5000 5 1 >/run/u.out 2>&1 &
r=$!
sleep 0.3
tx0=$(sim_stat tx_encrypted)
$NS1 netprobe udp-send 10.0.1.2 5000 native-crypto >/dev/null 2>&1
wait $r
check "kernel-native crypto offload: datagram delivered" grep -q native-crypto /run/u.out
check "kernel-native crypto offload: the NIC encrypted it" \
	[ "$(sim_stat tx_encrypted)" -gt "$tx0" ]

offload_teardown
# With esp4/6_offload loaded, software SAs count per GSO skb: leave the
# next tests the kernel they expect.
check "rmmod esp4_offload esp6_offload" rmmod_when_free esp4_offload esp6_offload
finish
