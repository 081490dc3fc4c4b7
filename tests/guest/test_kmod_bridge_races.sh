#!/bin/sh
# Two install-path defects of the bridge (security issue items 10, 11):
#  - an SA deleted while the driver is still adding it must not be
#    announced OFFLOADED (nor written so into the maps) on its way out;
#  - an outbound SA offered as inbound must not make the TX hook hand its
#    plaintext to the NIC under an inbound entry.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
use_test_bins ipso_genl netprobe
sim_test_start ipv4-only
DBG=$SIM_DEBUGFS
check "SAs" xfrm_pair transport 10.0.0.1 10.0.0.2 0x1001 0x2002 1 $K12 $K21

# Delete during a slow add (the driver takes 800 ms after programming).
check "SA 0x7007 to delete during its install" \
	xfrm_sa ns1 10.0.0.1 10.0.0.2 0x7007 7 transport $K12
$NS1 ipso_genl listen 6 >/run/race.out 2>&1 & L=$!
sleep 0.3
echo 800 >$DBG/add_settle_ms
check "offload request for 0x7007" $NS1 ipso_genl offload 4 10.0.0.2 0x7007 sim0 out
sleep 0.3
check "delete 0x7007 while the driver adds it" \
	ip -n ns1 xfrm state del src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x7007
wait $L
echo 0 >$DBG/add_settle_ms
sed 's/^/  /' /run/race.out
check "0x7007 never announced OFFLOADED" sh -c "! grep 'spi=0x00007007' /run/race.out | grep -q state=offloaded"
check "0x7007's entry is gone" sh -c "! $NS1 ipso_genl dump | grep -q spi=0x00007007"

# 0x1001 is ns1's outbound SA; offered as inbound it must change nothing.
tx0=$(sim_stat tx_encrypted)
check "0x1001 offered as inbound" $NS1 ipso_genl offload 4 10.0.0.2 0x1001 sim0 in
check "that entry settles" wait_for sh -c "! $NS1 ipso_genl dump | grep -q state=pending"
$NS1 ipso_genl dump | sed 's/^/  /'
check "ping over 0x1001, in software" $NS1 ping -c 3 -W 3 10.0.0.2
check "the NIC encrypted none of it" [ "$(sim_stat tx_encrypted)" -eq "$tx0" ]

offload_teardown
finish
