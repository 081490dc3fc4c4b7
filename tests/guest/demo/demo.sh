#!/bin/sh
# make demo: the scenario users run, as a short report.  Two namespaces
# joined by the simulated inline-IPsec NIC; strongSwan on both sides
# (IKEv2, AES-GCM ESP, transport and tunnel, IPv4 and IPv6); our side runs
# `ipsec-offload daemon`, the peer is plain software IPsec.  Traffic runs
# through two CHILD_SA rekeys.  Exits non-zero if any step fails.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_swan.sh
. /opt/ipso/tests/guest/lib_offload.sh
say() { echo; echo "== $*"; }
REKEY=15

say "bring-up: modules, simulated NIC pair, datapath, daemon, strongSwan"
load_stock_modules
swan_offload_up $REKEY
wire_audit_start "$NS2" sim1 || bad "wire audit"
wait_offloaded 8 || bad "not every SA offloaded"

say "SAs negotiated by strongSwan (our side)"
swanctl_n 1 --list-sas | grep -E 'INSTALLED|ESTABLISHED|in  |out ' | sed 's/^/  /'

say "offload state per SA and device (ipsec-offload show offload)"
loader show offload | grep -v '^ *bpf:' | sed 's/^/  /'

say "traffic: ping over every connection, a 2 MB TCP transfer through the v4 tunnel"
for dst in 10.0.0.2 fd00::2; do
	$NS1 ping -c 2 -W 3 $dst >/dev/null && echo "  ping $dst ok" || bad "ping $dst"
done
$NS1 ping -c 2 -W 3 -I 192.168.1.1 192.168.2.1 >/dev/null &&
	echo "  ping 192.168.2.1 (tunnel) ok" || bad "ping v4 tunnel"
$NS1 ping -c 2 -W 3 -I fd01:1::1 fd01:2::1 >/dev/null &&
	echo "  ping fd01:2::1 (tunnel) ok" || bad "ping v6 tunnel"
$NS2 netprobe tcp-recv 5001 30 >/run/tcp.out &
rx=$!
sleep 0.5
$NS1 netprobe tcp-send 192.168.2.1 5001 2097152 >/dev/null || bad "tcp send"
wait $rx || bad "tcp receive"
sed 's/^netprobe: /  tcp: /' /run/tcp.out

say "rekeys under a paced UDP stream (50 datagrams/s for $((REKEY * 5 / 2)) s)"
before=$(swan_rekeys 1)
n=$((REKEY * 5 / 2 * 50))
$NS2 netprobe udp-count 5002 5 >/run/stream.out &
rx=$!
udp_wait_bound ns2 5002
$NS1 netprobe udp-pace 10.0.0.2 5002 $n 20 >/dev/null
wait $rx
echo "  CHILD_SA rekeys during the stream: $(($(swan_rekeys 1) - before))"
sed 's/^netprobe: /  stream: /' /run/stream.out
grep -q "received $n lost 0 " /run/stream.out || bad "datagrams lost across the rekeys"
wait_offloaded 8 || bad "new SAs not offloaded"
echo "  offloaded SAs now: $(offloaded_count)"

say "per-SA hardware counters (ipsec-offload show stats)"
loader show stats | sed 's/^/  /' | head -n 30

say "bpftool map dump pinned /sys/fs/bpf/tc/globals/ipso_offload (excerpt)"
bpftool map dump pinned /sys/fs/bpf/tc/globals/ipso_offload | head -n 24 | sed 's/^/  /'

say "the wire (what our NIC sent, audited at the peer's end)"
capture_start "$NS2" sim1 /run/demo.pcap 'not udp port 500 and not udp port 4500' in
capture_ready
$NS1 ping -c 1 -W 3 10.0.0.2 >/dev/null
$NS1 ping -c 1 -W 3 -I 192.168.1.1 192.168.2.1 >/dev/null
capture_stop
capture_text /run/demo.pcap | grep ESP | head -n 4 | sed 's/^/  /'
echo "  $(wire_audit_summary)"
[ "$(wire_audit_count plaintext)" -eq 0 ] || bad "plaintext on the wire"

swan_stop
daemon_stop >/dev/null || bad "daemon did not stop cleanly"
ip netns del ns1
ip netns del ns2
sleep 0.5
rmmod ipsec_sim && rmmod ipsec_offload || bad "modules did not unload"
finish
