#!/bin/sh
# The bridge's generic netlink family under random and mutated requests
# (debug tier: KASAN, lockdep and kmemleak watch; tests/debug/init scans
# after the test).  `ipso_genl fuzz` sends random commands (valid ones
# and beyond the last), attribute sets of random types, lengths and
# values, fds of its own, attributes that claim more than the message
# holds and messages cut anywhere, first as root, then as uid 65534
# without capabilities.  No unprivileged request may succeed.  An SA
# offloaded before the fuzzing must still be OFFLOADED after it (the
# fuzzer's random SPIs name no SA of ours), and the modules must unload.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
offload_require_modules
use_test_bins ipso_genl
load_stock_modules
SECONDS_ROOT=${SECONDS_ROOT:-20}
SECONDS_UNPRIV=${SECONDS_UNPRIV:-10}
SEED=${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
K=0x0102030405060708090a0b0c0d0e0f1011121314

check "bridge and simulated NIC modules" offload_modules
check "sim pair ns1:sim0 <-> ns2:sim1" ns_pair_sim ipv4-only
check "the bridge lists sim0" wait_for bridge_lists sim0
check "SA 0x1001 and UDP policies ns1 -> ns2" \
	xfrm_udp_one_way ns1 ns2 10.0.0.1 10.0.0.2 0x1001 1 $K
check "offload on sim0" $NS1 ipso_genl offload 4 10.0.0.2 0x1001 sim0 out
check "OFFLOADED on sim0" wait_bridge_offloaded 1

echo "  seed $SEED (SEED=... replays it)"
$NS1 ipso_genl fuzz "$SECONDS_ROOT" "$SEED" root >/run/fuzz_root.out 2>&1
check "root fuzzing ran to the end" grep -q "^fuzz root:" /run/fuzz_root.out
sed 's/^/  /' /run/fuzz_root.out
$NS1 ipso_genl fuzz "$SECONDS_UNPRIV" "$SEED" unpriv >/run/fuzz_unpriv.out 2>&1
check "unprivileged fuzzing ran to the end" \
	grep -q "^fuzz unpriv:" /run/fuzz_unpriv.out
sed 's/^/  /' /run/fuzz_unpriv.out
check "no unprivileged request succeeded" \
	grep -q "^fuzz unpriv: .* 0 succeeded" /run/fuzz_unpriv.out
check "every unprivileged request answered" \
	grep -q "^fuzz unpriv: .* 0 unanswered" /run/fuzz_unpriv.out
check "the bridge still answers" $NS1 ipso_genl config
check "the SA is still OFFLOADED" wait_bridge_offloaded 1
check "the NIC still holds it" sh -c "grep -q 'spi 0x00001001' $SIM_DEBUGFS/devices"

offload_teardown
finish
