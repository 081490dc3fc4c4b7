#!/bin/sh
# The daemon drives the bridge module over the simulated NIC: SAs are
# offered on the attached device and reach OFFLOADED with a handle; the
# tc program marks, the NIC encrypts, only ESP is on the wire; the daemon
# never changes `ip xfrm state/policy`; a daemon killed with SIGKILL and
# restarted adopts the module's offloads instead of asking again; SIGTERM
# withdraws every offload and traffic goes on in software, still ESP.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
offload_require
load_stock_modules
PATH=$IPSO/bin:$PATH
check "bridge (poll 100 ms) and simulated NIC modules" offload_modules poll_ms=100
check "sim pair ns1:sim0 <-> ns2:sim1" ns_pair_sim

xfrm_pair transport 10.0.0.1 10.0.0.2 0x1001 0x2002 1 $K12 $K21
xfrm_pair transport fd00::1 fd00::2 0x3003 0x4004 3 $K12 $K21

kstate() {	# the kernel's SAD/SPD in ns1, minus what traffic changes
	{ ip -n ns1 xfrm state; ip -n ns1 xfrm policy; } |
		grep -v -e anti-replay -e lastused
}
kstate >/run/k.before
loader show devices | grep -q '^dev sim0 ifindex [0-9]* backend sim ' &&
	ok "show devices: sim0 with the sim backend" ||
	bad "show devices: $(loader show devices 2>&1 | head -n 2)"
if ! loader attach sim0 2>/run/attach.err; then
	grep -q verifier /run/attach.err &&
		skip "datapath programs do not load on this kernel: $(cat /run/attach.err)"
	bad "attach sim0: $(cat /run/attach.err)"
fi

offloaded_is() { [ "$(offloaded_count)" -eq "$1" ]; }
# /run outlives a test: each run starts with empty logs, so that what the
# checks find there is this run's.
daemon_fresh() {
	: >/run/daemon.out
	: >/run/daemon.err
	daemon_start -c /run/rules.conf
}
# Device permission per SA (-hwif): 0x3003 may not use sim0 at first.
printf '# test rules\nspi 0x3003 dev none\nany dev all\n' >/run/rules.conf
daemon_fresh
wait_offloaded 3
sleep 1
loader -j show sa | grep -q '"spi":"0x00003003".*"offload":\[\]' &&
	[ "$(offloaded_count)" -eq 3 ] && ok "rules: 0x3003 kept off sim0, the other 3 offloaded" ||
	bad "rules not applied: $(offloaded_count) offloaded"
printf 'any dev sim0\n' >/run/rules.conf
kill -HUP $DAEMON
wait_offloaded 4
grep -q 'rules reloaded' /run/daemon.err && ok "SIGHUP reloaded the rules" ||
	bad "no reload message"
loader show offload | sed 's/^/  /'
[ "$(offloaded_count)" -eq 4 ] && ok "4 SAs OFFLOADED with non-zero handles" ||
	bad "$(offloaded_count) SAs offloaded, expected 4"
loader -j show sa | grep -q '"spi":"0x00001001".*"offload":\[{"dev":"sim0","ifindex":[0-9]*,"state":"offloaded","handle":[1-9]' &&
	ok "show sa: 0x1001 offloaded on sim0 with its handle" || bad "show sa lacks the offload of 0x1001"
loader explain src 10.0.0.1 dst 10.0.0.2 proto icmp type 8 dev sim0 >/run/explain.txt 2>&1
sed 's/^/  explain: /' /run/explain.txt
grep -q '^sa dst 10.0.0.2 spi 0x00001001 offload offloaded handle [1-9]' /run/explain.txt &&
	grep -q '^outcome offloaded' /run/explain.txt &&
	ok "explain: protect -> SA 0x1001 offloaded on sim0 with its handle" ||
	bad "explain did not resolve the offloaded SA"
[ "$($NS1 ipso_genl dump | wc -l)" -eq 4 ] && ok "module holds exactly 4 offloads" ||
	bad "module holds $($NS1 ipso_genl dump | wc -l) offloads"

# traffic LABEL [host]: ping both families, capture the wire (sim1, ns2)
# and, with "host", what the host hands to the NIC (sim0, ns1; software
# phase only: software ESP from ns1 is not seen by a capture on sim1).
traffic() {
	: >/run/host.pcap
	capture_start "$NS2" sim1 /run/wire.pcap 'host 10.0.0.1 or host fd00::1'
	[ "${2:-}" = host ] &&
		capture_start "$NS1" sim0 /run/host.pcap 'host 10.0.0.1 or host fd00::1'
	capture_ready
	$NS1 ping -c 3 -W 3 10.0.0.2 >/run/ping4.out 2>&1; P4=$?
	$NS1 ping -c 3 -W 3 fd00::2 >/run/ping6.out 2>&1; P6=$?
	capture_stop
	capture_text /run/wire.pcap >/run/wire.txt
	capture_text /run/host.pcap >/run/host.txt
	# (neighbour discovery is plaintext by design; echo must not be)
	grep -qE 'ICMP echo|ICMP6, echo' /run/wire.txt && bad "$1: plaintext on the wire" ||
		ok "$1: no plaintext echo on the wire"
}
esp_seen() {	# FILE...: both outbound SPIs appear (software phase,
		# captured on sim0: frames sim0 -> sim1 do not show in a
		# capture on sim1 while our XDP program is on sim0)
	cat "$@" | grep -q 'ESP(spi=0x00001001' &&
		cat "$@" | grep -q 'ESP(spi=0x00003003'
}
# Packets the peer's software IPsec decrypted with SA SPI (ns2): proof
# that ESP with our SPI and keys crossed the wire.
peer_before() { B1=$(sa_packets ns2 0x00001001); B3=$(sa_packets ns2 0x00003003); }
peer_decrypted() {	# LABEL: both outbound SAs decrypted >= 3 more by ns2
	a1=$(sa_packets ns2 0x00001001); a3=$(sa_packets ns2 0x00003003)
	[ $((a1 - B1)) -ge 3 ] && [ $((a3 - B3)) -ge 3 ] &&
		ok "$1: the peer's software IPsec decrypted $((a1 - B1)) + $((a3 - B3)) packets of 0x1001/0x3003" ||
		bad "$1: the peer decrypted $((a1 - B1)) / $((a3 - B3)) packets of 0x1001/0x3003"
}
peer_before
traffic "offloaded"
stat() { loader -j show stats | grep -o "\"$1\":[0-9]*" | cut -d: -f2; }
[ $P4 -eq 0 ] && [ $P6 -eq 0 ] && ok "offloaded: ping IPv4 and IPv6" ||
	bad "offloaded: ping failed ($P4/$P6): $(tail -n1 /run/ping4.out)"
peer_decrypted "offloaded"
m=$(stat tx_marked)
[ "${m:-0}" -gt 0 ] && ok "tc egress marked $m packets with handles" ||
	bad "tc egress marked nothing (tx_drop_unknown_sa $(stat tx_drop_unknown_sa))"
hw_max() {
	loader -j show sa | grep -o '"hw":{"packets":[0-9]*' | cut -d: -f3 |
		sort -n | tail -n1
}
hw_reported() { [ "$(hw_max)" -gt 0 ] 2>/dev/null; }
# the module polls the NIC's counters every poll_ms (100 ms here)
check "show sa reports hardware packet counters" wait_for hw_reported
echo "  largest hardware packet counter: $(hw_max)"

# Rules that now forbid an offloaded SA: SIGHUP withdraws it.
printf 'spi 0x3003 dev none\nany dev all\n' >/run/rules.conf
kill -HUP $DAEMON
wait_for offloaded_is 3
[ "$(offloaded_count)" -eq 3 ] && ! $NS1 ipso_genl dump | grep -q 'spi=0x00003003' &&
	ok "SIGHUP with a forbidding rule withdrew 0x3003" ||
	bad "0x3003 not withdrawn after the rules changed"
printf 'any dev all\n' >/run/rules.conf
kill -HUP $DAEMON
wait_offloaded 4
[ "$(offloaded_count)" -eq 4 ] && ok "SIGHUP with the rule lifted offered 0x3003 again" ||
	bad "0x3003 not offered again"

# Device down: the module drops its offloads; device up: offered again.
$NS1 sysctl -qw net.ipv6.conf.sim0.keep_addr_on_down=1 2>/dev/null ||
	echo 1 >/proc/sys/net/ipv6/conf/sim0/keep_addr_on_down 2>/dev/null
ip -n ns1 link set sim0 down
wait_for offloaded_is 0
[ "$(offloaded_count)" -eq 0 ] && ok "device down: no offload left" || bad "offloads survive device down"
ip -n ns1 link set sim0 up
wait_offloaded 4
[ "$(offloaded_count)" -eq 4 ] && ok "device up again: the daemon offered all 4 SAs again" ||
	bad "device up: $(offloaded_count) offloaded"

# SIGKILL, restart: adopt, no duplicates.
kill -9 $DAEMON; wait $DAEMON 2>/dev/null
daemon_fresh
sleep 1.5
grep -q '4 offloads adopted' /run/daemon.err && ok "restart adopted the module's 4 offloads" ||
	bad "restart did not adopt: $(tr '\n' '|' </run/daemon.err)"
[ "$($NS1 ipso_genl dump | wc -l)" -eq 4 ] && [ "$(offloaded_count)" -eq 4 ] &&
	ok "no duplicate offloads after the restart" || bad "offload count changed on restart"

kstate >/run/k.after
cmp -s /run/k.before /run/k.after && ok "ip xfrm state/policy unchanged by the daemon" ||
	{ bad "the daemon changed the kernel's SAD/SPD"; diff /run/k.before /run/k.after | head; }

daemon_stop
rc=$?
[ $rc -eq 0 ] && ok "SIGTERM: daemon exits 0" || bad "SIGTERM: exit $rc"
grep -q 'every offload withdrawn' /run/daemon.err && ok "daemon reports every offload withdrawn" ||
	bad "withdrawal not confirmed: $(tr '\n' '|' </run/daemon.err)"
[ "$($NS1 ipso_genl dump | wc -l)" -eq 0 ] && ok "module holds no offload after SIGTERM" ||
	bad "module still holds offloads"
peer_before
traffic "after SIGTERM (software IPsec)" host
peer_decrypted "after SIGTERM"
[ $P4 -eq 0 ] && [ $P6 -eq 0 ] && ok "after SIGTERM: ping IPv4 and IPv6 in software" ||
	bad "after SIGTERM: ping failed ($P4/$P6)"
esp_seen /run/host.txt /run/wire.txt && ok "after SIGTERM: the kernel sends ESP 0x1001/0x3003" ||
	bad "after SIGTERM: no outbound ESP"
grep -qE 'ICMP echo|ICMP6, echo' /run/host.txt && bad "after SIGTERM: plaintext handed to the NIC" ||
	ok "after SIGTERM: no plaintext echo handed to the NIC"
offload_teardown
finish
