#!/bin/sh
# The daemon drives the bridge module over the simulated NIC: SAs are
# offered on the attached device and reach OFFLOADED with a handle; the
# tc program marks, the NIC encrypts, only ESP is on the wire; the daemon
# never changes `ip xfrm state/policy`; a daemon killed with SIGKILL and
# restarted adopts the module's offloads instead of asking again; SIGTERM
# withdraws every offload and traffic goes on in software, still ESP.
. /opt/ipso/tests/guest/lib.sh
LD=$IPSO/loader/ipsec-offload
KO=$IPSO/kmod/mlx5_ipsec/ipsec_offload.ko
SIMKO=$IPSO/kmod/ipsec_sim/ipsec_sim.ko
[ -x "$LD" ] || skip "loader/ipsec-offload not built"
[ -f "$KO" ] || skip "ipsec_offload.ko not built"
[ -f "$SIMKO" ] || skip "ipsec_sim.ko not built"
load_stock_modules
PATH=$IPSO/bin:$PATH
check "insmod bridge" insmod "$KO" poll_ms=100
check "insmod simulated NIC" insmod "$SIMKO"
L() { $NS1 "$LD" "$@"; }

ip netns add ns1
ip netns add ns2
check "sim pair" ip link add sim0 type ipsecsim
sleep 0.3
ip link set sim0 netns ns1
ip link set sim0p netns ns2
ip -n ns2 link set sim0p name sim1
ip -n ns1 addr add 10.0.0.1/24 dev sim0
ip -n ns2 addr add 10.0.0.2/24 dev sim1
ip -n ns1 addr add fd00::1/64 dev sim0 nodad
ip -n ns2 addr add fd00::2/64 dev sim1 nodad
for n in ns1 ns2; do ip -n $n link set lo up; done
ip -n ns1 link set sim0 up
ip -n ns2 link set sim1 up

K12=0x0102030405060708090a0b0c0d0e0f1011121314
K21=0x2122232425262728292a2b2c2d2e2f3031323334
sa() {	# NS SRC DST SPI REQID KEY
	ip -n $1 xfrm state add src $2 dst $3 proto esp spi $4 reqid $5 \
		mode transport aead 'rfc4106(gcm(aes))' $6 128
}
pol() {	# NS SRC DST DIR REQID
	ip -n $1 xfrm policy add src $2 dst $3 dir $4 \
		tmpl src $2 dst $3 proto esp reqid $5 mode transport
}
for n in ns1 ns2; do
	sa $n 10.0.0.1 10.0.0.2 0x1001 1 $K12
	sa $n 10.0.0.2 10.0.0.1 0x2002 2 $K21
	sa $n fd00::1 fd00::2 0x3003 3 $K12
	sa $n fd00::2 fd00::1 0x4004 4 $K21
done
pol ns1 10.0.0.1 10.0.0.2 out 1; pol ns1 10.0.0.2 10.0.0.1 in 2
pol ns2 10.0.0.2 10.0.0.1 out 2; pol ns2 10.0.0.1 10.0.0.2 in 1
pol ns1 fd00::1 fd00::2 out 3; pol ns1 fd00::2 fd00::1 in 4
pol ns2 fd00::2 fd00::1 out 4; pol ns2 fd00::1 fd00::2 in 3

kstate() {	# the kernel's SAD/SPD in ns1, minus what traffic changes
	{ ip -n ns1 xfrm state; ip -n ns1 xfrm policy; } |
		grep -v -e anti-replay -e lastused
}
kstate >/run/k.before
if ! L attach sim0 2>/run/attach.err; then
	grep -q verifier /run/attach.err &&
		skip "datapath programs do not load on this kernel: $(cat /run/attach.err)"
	bad "attach sim0: $(cat /run/attach.err)"
fi

start_daemon() {
	$NS1 "$LD" daemon >/run/daemon.out 2>/run/daemon.err &
	D=$!
	i=0
	until grep -q 'daemon ready' /run/daemon.out 2>/dev/null || [ $i -gt 100 ]; do
		i=$((i + 1)); sleep 0.1
	done
}
offloaded() { L -j show offload | grep -o '"state":"offloaded","handle":[1-9][0-9]*' | wc -l; }
wait_offloaded() {	# N
	i=0
	while [ "$(offloaded)" -lt "$1" ] && [ $i -lt 100 ]; do
		i=$((i + 1)); sleep 0.1
	done
}
start_daemon
wait_offloaded 4
L show offload | sed 's/^/  /'
[ "$(offloaded)" -eq 4 ] && ok "4 SAs OFFLOADED with non-zero handles" ||
	bad "$(offloaded) SAs offloaded, expected 4"
L -j show sa | grep -q '"spi":"0x00001001".*"offload":\[{"dev":"sim0","ifindex":[0-9]*,"state":"offloaded","handle":[1-9]' &&
	ok "show sa: 0x1001 offloaded on sim0 with its handle" || bad "show sa lacks the offload of 0x1001"
[ "$($NS1 ipso_genl dump | wc -l)" -eq 4 ] && ok "module holds exactly 4 offloads" ||
	bad "module holds $($NS1 ipso_genl dump | wc -l) offloads"

traffic() {	# LABEL
	capture_start "$NS2" sim1 /run/wire.pcap 'host 10.0.0.1 or host fd00::1'
	capture_ready
	check "$1: ping IPv4" $NS1 ping -c 3 -W 3 10.0.0.2
	check "$1: ping IPv6" $NS1 ping -c 3 -W 3 fd00::2
	capture_stop
	capture_text /run/wire.pcap >/run/wire.txt
	grep -q 'ESP(spi=0x00001001' /run/wire.txt && grep -q 'ESP(spi=0x00003003' /run/wire.txt &&
		ok "$1: ESP on the wire" || bad "$1: no ESP on the wire"
	# (neighbour discovery is plaintext by design; echo must not be)
	grep -qE 'ICMP echo|ICMP6, echo|UDP' /run/wire.txt && bad "$1: plaintext on the wire" ||
		ok "$1: no plaintext on the wire"
}
traffic "offloaded"
m=$(L -j show stats | grep -o '"tx_marked":[0-9]*' | cut -d: -f2)
[ "${m:-0}" -gt 0 ] && ok "tc egress marked $m packets with handles" ||
	bad "tc egress marked nothing"

# SIGKILL, restart: adopt, no duplicates.
kill -9 $D; wait $D 2>/dev/null
start_daemon
sleep 1.5
grep -q '4 offloads adopted' /run/daemon.err && ok "restart adopted the module's 4 offloads" ||
	bad "restart did not adopt: $(tr '\n' '|' </run/daemon.err)"
[ "$($NS1 ipso_genl dump | wc -l)" -eq 4 ] && [ "$(offloaded)" -eq 4 ] &&
	ok "no duplicate offloads after the restart" || bad "offload count changed on restart"

kstate >/run/k.after
cmp -s /run/k.before /run/k.after && ok "ip xfrm state/policy unchanged by the daemon" ||
	{ bad "the daemon changed the kernel's SAD/SPD"; diff /run/k.before /run/k.after | head; }

kill -TERM $D
wait $D
rc=$?
[ $rc -eq 0 ] && ok "SIGTERM: daemon exits 0" || bad "SIGTERM: exit $rc"
grep -q 'every offload withdrawn' /run/daemon.err && ok "daemon reports every offload withdrawn" ||
	bad "withdrawal not confirmed: $(tr '\n' '|' </run/daemon.err)"
[ "$($NS1 ipso_genl dump | wc -l)" -eq 0 ] && ok "module holds no offload after SIGTERM" ||
	bad "module still holds offloads"
traffic "after SIGTERM (software IPsec)"
ip netns del ns1
ip netns del ns2
sleep 0.5
check "rmmod simulated NIC" rmmod ipsec_sim
check "rmmod bridge" rmmod ipsec_offload
finish
