#!/bin/sh
# With no rules the daemon offers every SA on every attached device, but
# an SA lives on one device at a time (docs/kmod.md): on two simulated
# NICs, each SA is OFFLOADED on one and REJECTED on the other, and
# `show offload` gives the module's reason in its own words.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
offload_require
load_stock_modules
PATH=$IPSO/bin:$PATH
check "bridge and simulated NIC modules" offload_modules poll_ms=100
check "sim pair ns1:sim0 <-> ns2:sim1" ns_pair_sim ipv4-only
check "second pair ns1:sim2 <-> ns2:sim3" ns_second_sim_pair
check "SAs" xfrm_pair transport 10.0.0.1 10.0.0.2 0x1001 0x2002 1 $K12 $K21
for d in sim0 sim2; do
	check "attach $d" loader attach $d
done
: >/run/daemon.out
: >/run/daemon.err
check "daemon" daemon_start
both_settled() {
	[ "$(loader show offload | grep -c 'state offloaded')" -eq 2 ] &&
	[ "$(loader show offload | grep -c 'state rejected')" -eq 2 ]
}
check "each SA offloaded on one device and rejected on the other" \
	wait_for both_settled
loader show offload | sed 's/^/  /'
loader show offload >/run/show.txt
loader -j show offload >/run/show.json
check "show offload names the reason: held by another device" \
	[ "$(grep 'state rejected' /run/show.txt | grep -c 'another device')" -eq 2 ]
check "JSON carries the message too" \
	grep -q '"message":"ipsec_offload: offloaded on another device' /run/show.json
check "daemon stops" daemon_stop
for d in sim0 sim2; do loader detach $d >/dev/null 2>&1; done
offload_teardown
finish
