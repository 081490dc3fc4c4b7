#!/bin/sh
# Packet plus policy offload through the kernel's own API on the
# simulated NIC's xfrmdev face (docs/sim-nic.md, "Packet mode"): states
# and policies offloaded with `offload packet dev sim0`, stock software
# IPsec on the peer.  The kernel hands the NIC plaintext; the NIC picks
# the SA by its policy table (selector -> reqid -> SA), numbers, encrypts
# and encapsulates; inbound it decrypts, checks replays, decapsulates and
# delivers plaintext the kernel's policy check accepts; its per-SA
# counters become the kernel's lifetime counters (xdo_dev_state_update_stats).
# IPv4 and IPv6, transport and tunnel; one check per packet-mode refusal.
# The kernel drives the NIC, not the bridge; at the end the bridge's
# xfrmdev backend (which claims sim0) adopts one of these states as it
# is and reads its counters through the kernel.
#
# Debian 12's iproute2 (6.1) cannot say `offload packet` nor offload a
# policy, and prints no offload mode: tests/sim/xfrm_pkt.c sends those
# requests and shows the mode; `ip xfrm` does the rest.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
case $(uname -r) in
6.1.*) skip "packet offload (XFRM_DEV_OFFLOAD_PACKET, policy offload) exists from 6.2 on" ;;
esac
offload_require_modules
use_test_bins xfrm_pkt netprobe esp_inject ipso_genl
load_stock_modules
check "bridge (xfrmdev backend) and sim modules, sim0 an xfrmdev NIC" \
	offload_modules xfrmdev_backend=1 -- crypto_mode=1
check "sim pair ns1:sim0 <-> ns2:sim1" ns_pair_sim
check "the bridge's xfrmdev backend claims sim0" wait_for bridge_lists sim0 xfrmdev
D=$SIM_DEBUGFS/devices
PKT="$NS1 xfrm_pkt"

check "inner hosts for tunnel mode" pkt_inner_hosts

check "transport IPv4 (0x1000 out, 0x1001 in)" pkt_pair transport 10.0.0.1 10.0.0.2 0x1000 10
check "transport IPv6 (0x2000, 0x2001)" pkt_pair transport fd00::1 fd00::2 0x2000 20
check "tunnel IPv4 (0x3000, 0x3001)" pkt_pair tunnel 10.0.0.1 10.0.0.2 0x3000 30 \
	192.168.1.1 192.168.2.1
check "tunnel IPv6 (0x4000, 0x4001)" pkt_pair tunnel fd00::1 fd00::2 0x4000 40 \
	fd01::1 fd02::1
SAS="10.0.0.1 10.0.0.2 0x1000 out|10.0.0.2 10.0.0.1 0x1001 in|fd00::1 fd00::2 0x2000 out|fd00::2 fd00::1 0x2001 in|10.0.0.1 10.0.0.2 0x3000 out|10.0.0.2 10.0.0.1 0x3001 in|fd00::1 fd00::2 0x4000 out|fd00::2 fd00::1 0x4001 in"

# for_sas FN: FN SRC DST SPI DIR for every SA above.
for_sas() {
	local IFS='|' s
	for s in $SAS; do
		IFS=' '
		"$1" $s
	done
}
offload_line() {
	ip -n ns1 xfrm state get src $1 dst $2 proto esp spi $3 |
		grep -q "crypto offload parameters: dev sim0 dir $4" &&
		ok "spi $3: ip xfrm state shows 'crypto offload parameters: dev sim0 dir $4'" ||
		bad "spi $3: no kernel offload line for dev sim0 dir $4"
	case $($PKT show $1 $2 $3) in
	"offload ifindex "*" dir $4 mode packet") ok "spi $3: the kernel reports mode packet" ;;
	*) bad "spi $3: the kernel does not report packet mode: $($PKT show $1 $2 $3)" ;;
	esac
}
for_sas offload_line
check "the NIC holds the 8 SAs" [ "$(grep -c 'sa handle .* pkt 1 ' $D)" -eq 8 ]
check "the NIC holds the 8 policies" [ "$(grep -c '^policy ' $D)" -eq 8 ]

check "wire audit on sim1" wire_audit_start "$NS2" sim1
tx0=$(sim_stat tx_encrypted)
check "ping IPv4 transport" $NS1 ping -c 3 -W 3 10.0.0.2
check "ping IPv6 transport" $NS1 ping -c 3 -W 3 fd00::2
check "ping IPv4 tunnel" $NS1 ping -c 3 -W 3 -I 192.168.1.1 192.168.2.1
check "ping IPv6 tunnel" $NS1 ping -c 3 -W 3 -I fd01::1 fd02::1
check "ping IPv4 transport from the peer" $NS2 ping -c 3 -W 3 10.0.0.1
check "ping IPv6 tunnel from the peer" $NS2 ping -c 3 -W 3 -I fd02::1 fd01::1
# Only from ns1: the software peer would count a GSO super-packet once.
check "TCP 1 MB IPv4 transport" tcp_transfer "$NS1" "$NS2" 10.0.0.2 1000000
check "TCP 1 MB IPv6 tunnel" tcp_transfer "$NS1" "$NS2" fd02::1 1000000

# Forwarded tunnel traffic: ns1 routes for ns0 (192.168.1.2, on a veth).
# The kernel hands such a packet straight to sim0 with the Ethernet
# header of its arrival in front (xfrm_dev_direct_output); the NIC
# writes the outer one.  Same SAs (reqid 30/31), policies for ns0's host.
NS0="nsenter --net=/run/netns/ns0"
forwarding() {
	ip netns add ns0 &&
	ip link add veth0 netns ns0 type veth peer name veth1 netns ns1 &&
	ip -n ns0 link set lo up && ip -n ns0 link set veth0 up &&
	ip -n ns1 link set veth1 up &&
	ip -n ns0 addr add 192.168.1.2/32 dev veth0 &&
	ip -n ns0 route add default via 192.168.1.1 dev veth0 onlink &&
	ip -n ns1 route add 192.168.1.2 dev veth1 src 192.168.1.1 &&
	$NS1 sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward' &&
	ip -n ns2 route add 192.168.1.2 dev sim1 src 192.168.2.1 &&
	$PKT policy sim0 out 192.168.1.2 192.168.2.1 10.0.0.1 10.0.0.2 30 tunnel &&
	$PKT policy sim0 in 192.168.2.1 192.168.1.2 10.0.0.2 10.0.0.1 31 tunnel &&
	ip -n ns2 xfrm policy add src 192.168.1.2 dst 192.168.2.1 dir in \
		tmpl src 10.0.0.1 dst 10.0.0.2 proto esp reqid 30 mode tunnel &&
	ip -n ns2 xfrm policy add src 192.168.2.1 dst 192.168.1.2 dir out \
		tmpl src 10.0.0.2 dst 10.0.0.1 proto esp reqid 31 mode tunnel
}
check "ns0 behind ns1, forwarding, policies for 192.168.1.2" forwarding
fwd0=$(sim_sa_field 3000 packets)
check "ping from ns0 through ns1's tunnel (forwarded both ways)" \
	$NS0 ping -c 3 -W 3 192.168.2.1
check "the NIC encrypted the forwarded packets (0x3000)" \
	[ "$(sim_sa_field 3000 packets)" -ge $((fwd0 + 3)) ]
wire_audit_summary
check "the NIC encrypted the traffic" [ "$(sim_stat tx_encrypted)" -gt $((tx0 + 1400)) ]
check "the NIC decrypted the peer's" [ "$(sim_stat rx_decrypted)" -gt 100 ]
check "ESP on the wire from sim0" [ "$(wire_audit_count esp)" -gt 1000 ]
check "no plaintext on the wire from sim0" [ "$(wire_audit_count plaintext)" -eq 0 ]
check "the NIC dropped nothing for want of an SA" [ "$(sim_stat tx_pkt_no_sa)" -eq 0 ]
check "the NIC refused no inbound packet by policy" [ "$(sim_stat rx_pkt_policy)" -eq 0 ]
# The software peer saw every ESP packet authenticate.
check "peer: no ESP it could not authenticate" \
	[ "$($NS2 awk '$1 == "XfrmInStateProtoError" { print $2 }' /proc/net/xfrm_stat)" -eq 0 ]

# Bad packets are the NIC's to drop (the kernel never sees them in
# packet mode): a replayed and a tampered copy (new sequence number, bad
# ICV) of a datagram over 0x1001 from sim1; the datagram arrives once.
# inject replay|tamper TAG
inject() {
	local r j jrc
	$NS1 netprobe udp-recv 5001 4 5 >/run/inj.out 2>&1 &
	r=$!
	$NS2 esp_inject sim1 0x1001 "$1" 8 >/run/inj.log 2>&1 &
	j=$!
	sleep 0.5
	$NS2 netprobe udp-send 10.0.0.1 5001 "$2" >/dev/null 2>&1
	wait $j
	jrc=$?
	wait $r
	cat /run/inj.log
	[ $jrc -eq 0 ] && [ "$(grep -c "$2" /run/inj.out)" -eq 1 ]
}
check "a replayed copy is dropped (datagram seen once)" inject replay replay-me
check "a tampered copy is dropped (datagram seen once)" inject tamper tamper-me
check "the NIC counted one replay on 0x1001" [ "$(sim_sa_field 1001 replay_drop)" -eq 1 ]
check "the NIC counted one ICV failure on 0x1001" [ "$(sim_sa_field 1001 auth_fail)" -eq 1 ]
# update_stats hands them to the state and to ns1's MIB.
check "ip -s xfrm state: replay 1 failed 1 on 0x1001" sh -c \
	"/usr/sbin/ip -n ns1 -s xfrm state get src 10.0.0.2 dst 10.0.0.1 proto esp spi 0x1001 | grep -q 'replay 1 failed 1'"
mib() { $NS1 awk -v k=$1 '$1 == k { print $2 }' /proc/net/xfrm_stat; }
check "ns1 XfrmInStateSeqError 1" [ "$(mib XfrmInStateSeqError)" -eq 1 ]
check "ns1 XfrmInStateProtoError 1" [ "$(mib XfrmInStateProtoError)" -eq 1 ]

# Both ends' `ip -s xfrm state` lifetime counters: (bytes, packets).
counters() {
	ip -n $1 -s xfrm state get src $2 dst $3 proto esp spi $4 |
		sed -n 's/^[[:space:]]*\([0-9]*\)(bytes), \([0-9]*\)(packets).*/\1 \2/p' |
		head -n 1
}
counters_equal() {
	local a b
	a=$(counters ns1 "$@")
	b=$(counters ns2 "$@")
	echo "  spi $3: ns1 (NIC) $a, ns2 (software) $b"
	[ "$a" = "$b" ] && [ "${a%% *}" -gt 0 ] &&
		ok "spi $3 ($4): counters equal at both ends" ||
		bad "spi $3 ($4): counters differ or are zero"
}
for_sas counters_equal

# The bridge adopts a state the kernel offloads in packet mode: no new
# binding, the kernel's offload stays, and the bridge's figures are the
# kernel's lifetime counters (update_stats through the kernel's wrapper).
bridge_line() { $NS1 ipso_genl dump | grep 'spi=0x00001000 '; }
bridge_adopted() { bridge_line | grep -q 'state=offloaded'; }
bridge_counts_kernel() {
	local k
	k=$(counters ns1 10.0.0.1 10.0.0.2 0x1000)
	bridge_line | grep -q "hw_packets=${k#* } hw_bytes=${k%% *} "
}
check "bridge: offer 0x1000 (packet-offloaded by the kernel)" \
	_offload_sim0 4 10.0.0.2 0x1000 out
check "bridge: 0x1000 adopted (OFFLOADED)" wait_for bridge_adopted
check "bridge: its counters are the kernel's for 0x1000" wait_for bridge_counts_kernel
echo "  $(bridge_line)"
sim0_index=$(ip -n ns1 -o link show sim0 | cut -d: -f1)
check "bridge: the kernel still shows mode packet on sim0" \
	[ "$($PKT show 10.0.0.1 10.0.0.2 0x1000)" = \
	  "offload ifindex $sim0_index dir out mode packet" ]
check "bridge: withdraw 0x1000" $NS1 ipso_genl withdraw 4 10.0.0.2 0x1000 sim0
check "bridge: an adopted state stays bound after the withdraw" \
	sh -c "$PKT show 10.0.0.1 10.0.0.2 0x1000 | grep -q 'mode packet'"

# Refusals: each rule's own message through extack; nothing stays bound.
# refused WORDS -- xfrm_pkt ARGS...
refused() {
	local words=$1 out
	shift 2
	if out=$($PKT "$@" 2>&1); then
		bad "refusal '$words': the kernel accepted it"
		return
	fi
	echo "  $out" | head -n 1
	case $out in
	*"$words"*) ok "refused with '$words'" ;;
	*) bad "refused, but without '$words': $out" ;;
	esac
}
refused "needs a reqid" -- state sim0 out 10.0.0.1 10.0.0.2 0x5001 0 transport $K12
refused "replay window" -- state sim0 in 10.0.0.2 10.0.0.1 0x5002 50 transport $K12 window=100
refused "transport mode only" -- state sim0 out 10.0.0.1 10.0.0.2 0x5003 50 tunnel $K12 encap=4500:4500
refused "hard byte limit" -- state sim0 out 10.0.0.1 10.0.0.2 0x5004 50 transport $K12 \
	byte-soft=2000 byte-hard=1000
refused "byte limits" -- state sim0 out 10.0.0.1 10.0.0.2 0x5005 50 transport $K12 byte-soft=0
refused "hard packet limit" -- state sim0 out 10.0.0.1 10.0.0.2 0x5006 50 transport $K12 \
	pkt-soft=20 pkt-hard=10
refused "packet limits" -- state sim0 out 10.0.0.1 10.0.0.2 0x5007 50 transport $K12 pkt-soft=0
refused "16-byte ICV" -- state sim0 out 10.0.0.1 10.0.0.2 0x5008 50 transport $K12 icv=96
refused "ESN" -- state sim0 out 10.0.0.1 10.0.0.2 0x5009 50 transport $K12 esn window=64
refused "selector's protocol" -- state sim0 out 10.0.0.1 10.0.0.2 0x500a 50 transport $K12 sel-proto=1
refused "reqid" -- policy sim0 out 0.0.0.0/0 0.0.0.0/0 10.0.0.1 10.0.0.2 0 transport
refused "priority" -- policy sim0 out 10.0.0.5 10.0.0.6 10.0.0.1 10.0.0.2 51 transport prio=4294967295
refused "selector's protocol" -- policy sim0 out 10.0.0.5 10.0.0.6 10.0.0.1 10.0.0.2 51 transport proto=1
refused "whole addresses" -- policy sim0 out 10.0.0.0/24 10.0.1.0/24 10.0.0.1 10.0.0.2 51 transport
check "no refused state was kept" [ "$(ip -n ns1 xfrm state | grep -c 'spi 0x000050')" -eq 0 ]
check "accepted: window 64 inbound" $PKT state sim0 in 10.0.0.2 10.0.0.1 0x5010 50 transport $K12 window=64
check "still 9 SAs in the NIC" [ "$(grep -c 'sa handle .* pkt 1 ' $D)" -eq 9 ]

# Deleting a state and its policies empties the NIC's tables.
check "flush ns1's states" ip -n ns1 xfrm state flush
check "flush ns1's policies" ip -n ns1 xfrm policy flush
# The kernel frees states from a work item: the NIC's table empties then.
nic_sa_none() { [ "$(grep -c 'sa handle' $D)" -eq 0 ]; }
check "the NIC holds no SA" wait_for nic_sa_none
check "the NIC holds no policy" [ "$(grep -c '^policy ' $D)" -eq 0 ]
awk '$1 ~ /^(tx|rx)_/ && $2 != 0 { print "  sim0 " $1 " " $2 }' $D

ip netns del ns0
offload_teardown
finish
