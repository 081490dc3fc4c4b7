#!/bin/sh
# The XDP gateway fast path end to end (docs/datapath.md, "XDP fast
# path"): ns1 routes between ns0 (192.168.1.0/24, on veth1) and a tunnel
# to ns2 (192.168.2.0/24) through the simulated NIC.  With `attach veth1
# fastpath`, forwarded plaintext for the tunnel is classified in XDP on
# veth1 and redirected to sim0 with the SA's handle in the metadata; the
# NIC builds ESP (ndo_xdp_xmit) and the software peer decrypts it.  What
# the fast path must not take goes to the kernel and still arrives: TTL
# 1, datagrams that may not fit once encapsulated; with the daemon stopped (lease
# expired, offloads withdrawn) everything goes the kernel's way, in ESP.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
offload_require
use_test_bins netprobe
load_stock_modules
check "bridge (poll 100 ms) and simulated NIC modules" offload_modules poll_ms=100
check "sim pair ns1:sim0 <-> ns2:sim1" ns_pair_sim
check "ns0 behind the gateway ns1, ns2 behind the peer" fastpath_gateway
check "the same for IPv6" fastpath_gateway6
check "tunnel SAs 0x1001/0x2002 and policies (out, fwd, in)" fastpath_tunnel
check "IPv6 tunnel SAs 0x3003/0x4004 and policies" fastpath_tunnel6

check "attach the datapath to sim0" loader attach sim0
check "daemon up" daemon_start
check "all 4 SAs OFFLOADED on sim0" wait_offloaded 4
# the outbound SA's fast-path flag comes after the NIC took the numbering over
check "attach the fast path to veth1" loader attach veth1 fastpath
loader show fastpath | sed 's/^/  /'
check "the fast path redirects to sim0" sh -c \
	"$NS1 $LOADER show fastpath | grep -q '^redirects to: sim0$'"
check "ping from ns0 through the tunnel (resolves the neighbours)" \
	$NS0 ping -c 3 -W 3 192.168.2.1
check "ping6 from ns0 through the IPv6 tunnel" $NS0 ping -c 3 -W 3 fd02::1

fp() { loader show stats | awk -v k="fp_$1" '$1 == k { print $2 }'; }
# ns0's datagrams without UDP checksum (SO_NO_CHECK): veth0 would hand
# veth1's XDP frames whose checksum the sender left to an offload that a
# redirect skips; from a wire, as a gateway's inside NIC gets them, the
# checksum is complete (docs/datapath.md, "XDP fast path").
stream() {	# PORT COUNT [EVERY BYTES]
	$NS2 netprobe udp-count "$1" 3 >/run/fp$1.out &
	r=$!
	check "the receiver is bound" udp_wait_bound ns2 "$1"
	$NS0 netprobe udp-pace --no-csum 192.168.2.1 "$1" "$2" 2 $3 $4 >/dev/null
	wait $r
	sed "s/^/  stream $1: /" /run/fp$1.out
}
check "wire audit on sim1" wire_audit_start "$NS2" sim1
r0=$(fp redirect)
x0=$(sim_stat xdp_tx_encrypted)
e0=$(sim_stat tx_encrypted)
stream 5000 500
r1=$(fp redirect)
x1=$(sim_stat xdp_tx_encrypted)
e1=$(sim_stat tx_encrypted)
echo "  fast path redirected $((r1 - r0)); the NIC encrypted $((x1 - x0)) from XDP, $((e1 - e0)) from the TX hook"
check "all 500 datagrams arrived" grep -q "received 500 lost 0 " /run/fp5000.out
check "the fast path redirected them ($((r1 - r0)) >= 495)" [ $((r1 - r0)) -ge 495 ]
check "the NIC encrypted what XDP handed it ($((x1 - x0)))" [ $((x1 - x0)) -ge 495 ]
check "the NIC refused no redirected frame" [ "$(sim_stat xdp_tx_drop_no_sa)" -eq 0 ]
# IPv6: ICMPv6 echo (its checksum is computed by the sender, complete)
r0=$(fp redirect)
$NS0 ping -6 -c 100 -i 0.01 -W 5 -q fd02::1 >/run/ping6.out 2>&1
sed -n 's/^/  /; /packets transmitted/p' /run/ping6.out
check "100 pings over IPv6, every reply back" \
	grep -q '100 packets transmitted, 100 packets received' /run/ping6.out
check "the fast path redirected the IPv6 echoes ($(($(fp redirect) - r0)) >= 95)" \
	[ $(($(fp redirect) - r0)) -ge 95 ]

# What the fast path leaves to the kernel still arrives, as ESP.
t0=$(fp pass_ttl)
# (IPv6 hop limit 1: tests/host/test_bpf_fastpath.sh; busybox ping6
# does not send one)
$NS0 ping -c 1 -W 2 -t 1 192.168.2.1 >/dev/null 2>&1
check "TTL 1: left to the kernel (fp_pass_ttl)" [ "$(fp pass_ttl)" -gt "$t0" ]
# 1405 bytes of UDP (an IP packet of 1433): the kernel's AES-GCM ESP
# fits the 1500-byte MTU, the fast path's estimate (largest IV and block,
# it does not know the cipher) does not, so the kernel sends them.
m0=$(fp pass_mtu)
stream 5001 40 4 1405
check "1405-byte datagrams that may not fit once encapsulated: left to the kernel" \
	[ "$(fp pass_mtu)" -ge $((m0 + 10)) ]
check "mixed stream: all 40 datagrams arrived" grep -q "received 40 lost 0 " /run/fp5001.out

# Daemon stopped: offloads withdrawn, the lease expired, all software.
check "daemon stopped" daemon_stop
s0=$(fp pass_stale)
r0=$(fp redirect)
stream 5002 100
check "after the stop: all 100 datagrams arrived (software)" \
	grep -q "received 100 lost 0 " /run/fp5002.out
check "after the stop: nothing redirected" [ "$(fp redirect)" -eq "$r0" ]
check "after the stop: left to the kernel as stale" [ "$(fp pass_stale)" -ge $((s0 + 100)) ]
echo "  $(wire_audit_summary)"
check "ESP on the wire" [ "$(wire_audit_count esp)" -gt 700 ]
check "no plaintext on the wire" [ "$(wire_audit_count plaintext)" -eq 0 ]
check "the peer authenticated every ESP packet" \
	[ "$($NS2 awk '$1 == "XfrmInStateProtoError" { print $2 }' /proc/net/xfrm_stat)" -eq 0 ]

loader detach veth1 >/dev/null
ip netns del ns0
offload_teardown
finish
