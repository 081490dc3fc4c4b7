#!/bin/sh
# Offload lifecycle through the bridge with the simulated NIC: the maps the
# loader hands over (ipso_offload, ipso_handles, ipso_hw_stats) follow the
# offloads; capacity exhaustion and injected install failures end REJECTED
# with the driver's errno and are not retried; a hard packet limit expires
# an offloaded SA through the HW counters and the kernel's own EXPIRE; an
# SA deleted under traffic and a namespace deleted with live offloads tear
# down cleanly (the guest runs with slub_debug: use-after-free would show).
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
offload_require_modules
load_stock_modules
PATH=$IPSO/bin:$PATH
D=$SIM_DEBUGFS
check "bridge (poll 100 ms) and simulated NIC (capacity 3 SAs) modules" \
	offload_modules poll_ms=100 -- max_sa=3
ns_pair_sim ipv4-only
xfrm_sa "ns1 ns2" 10.0.0.1 10.0.0.2 0x1001 1 transport $K12 limit packet-hard 40
xfrm_sa "ns1 ns2" 10.0.0.2 10.0.0.1 0x2002 2 transport $K21
for spi in 0x1101 0x1102 0x1103; do
	xfrm_sa "ns1 ns2" 10.0.0.1 10.0.0.2 $spi 11 transport $K12
done
xfrm_policy_pair transport 10.0.0.1 10.0.0.2 1
check "the bridge lists sim0" wait_for bridge_lists sim0
mkdir -p /sys/fs/bpf/ipso
check "SET_MAPS from ns1, pinned for bpftool" $NS1 ipso_genl setmaps good /sys/fs/bpf/ipso

none_pending() { ! $NS1 ipso_genl dump | grep -q 'state=pending'; }
settle() { wait_for none_pending; }
state_of() { $NS1 ipso_genl dump | grep "spi=0x0000$1 "; }
errors() { awk '$1 == "count" { print $2 }' $D/errors; }
for spi in 0x1001 0x2002 0x1101 0x1102; do
	dir=out; [ $spi = 0x2002 ] && dir=in
	d=10.0.0.2; [ $spi = 0x2002 ] && d=10.0.0.1
	$NS1 ipso_genl offload 4 $d $spi sim0 $dir >/dev/null
	settle
done
state_of 1102 | grep -q 'state=rejected handle=0 reason=-28' &&
	ok "4th SA on a 3-SA NIC: REJECTED with -ENOSPC" || bad "capacity: $(state_of 1102)"
e0=$(errors)
$NS1 ipso_genl offload 4 10.0.0.2 0x1102 sim0 out | grep -q 'state=rejected' &&
	ok "asking again reports the recorded rejection" || bad "second request not rejected"
settle
[ "$(errors)" = "$e0" ] && ok "rejection not retried (driver saw no new add)" ||
	bad "driver saw another add ($e0 -> $(errors))"

json() { bpftool -j map dump pinned /sys/fs/bpf/ipso/$1; }
# ipso_offload value of a rejected SA: state 3, handle 0, reason -28
json ipso_offload | grep -q '"0x03","0x00","0x00","0x00","0x00","0x00","0x00","0x00","0xe4","0xff","0xff","0xff"' &&
	ok "ipso_offload map: REJECTED -ENOSPC recorded" || bad "ipso_offload map lacks the rejection"
h=$(state_of 1001 | sed 's/.*handle=\([0-9]*\).*/\1/')
echo "  0x1001 handle $h"
check "traffic on the offloaded SA" $NS1 ping -c 5 -W 3 10.0.0.2
sleep 0.4
hx=$(printf '0x%02x' "$h")
bpftool -j map lookup pinned /sys/fs/bpf/ipso/ipso_handles key $h 0 0 0 >/run/hv.json
grep -q '"0x0a","0x00","0x00","0x02"' /run/hv.json && grep -q '"0x10","0x01"' /run/hv.json &&
	ok "ipso_handles[$h] names 10.0.0.2 spi 0x1001" || bad "ipso_handles[$h]: $(cat /run/hv.json)"
bpftool -j map lookup pinned /sys/fs/bpf/ipso/ipso_hw_stats key $h 0 0 0 >/run/st.json
pk=$(sed 's/.*"value":\["\(0x[0-9a-f]*\)".*/\1/' /run/st.json)
[ "$((pk))" -ge 5 ] && ok "ipso_hw_stats[$h].packets = $((pk))" || bad "ipso_hw_stats[$h]: $(cat /run/st.json)"
json ipso_offload | grep -q "\"0x02\",\"0x00\",\"0x00\",\"0x00\",\"$hx\"" &&
	ok "ipso_offload map: OFFLOADED with handle $h" || bad "ipso_offload map lacks 0x1001"

check "withdraw 0x1101 (frees capacity)" $NS1 ipso_genl withdraw 4 10.0.0.2 0x1101 sim0
echo 5 >$D/fail_errno
echo 1 >$D/fail_next_add
settle
$NS1 ipso_genl offload 4 10.0.0.2 0x1103 sim0 out >/dev/null
settle
state_of 1103 | grep -q 'state=rejected handle=0 reason=-5' &&
	ok "injected install failure: REJECTED with -EIO" || bad "fault: $(state_of 1103)"
e1=$(errors)
$NS1 ipso_genl offload 4 10.0.0.2 0x1103 sim0 out >/dev/null
settle
[ "$(errors)" = "$e1" ] && ok "injected failure not retried" || bad "retried after failure"

$NS1 ipso_genl listen 60 >/run/notify.out 2>&1 &
L=$!
sleep 0.3
# 0x1001 expires after 40 packets: only the NIC counts them.
$NS1 ping -c 45 -i 0.05 -W 1 10.0.0.2 >/dev/null 2>&1
sleep 0.5
ip -n ns1 xfrm state get src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1001 >/dev/null 2>&1 &&
	bad "0x1001 still in the SAD after its hard packet limit" ||
	ok "hard packet limit reached on HW counters: kernel deleted 0x1001"
grep -q 'spi=0x00001001.*state=none handle=0 reason=-110' /run/notify.out &&
	ok "NOTIFY: offload of 0x1001 removed on hard expiry (-ETIMEDOUT)" ||
	bad "no expiry teardown notification"
json ipso_offload | grep -q "\"0x02\",\"0x00\",\"0x00\",\"0x00\",\"$hx\"" &&
	bad "ipso_offload still lists the expired SA" || ok "ipso_offload entry deleted on teardown"

# SA deleted while traffic flows through its offload.
xfrm_sa ns1 10.0.0.1 10.0.0.2 0x1201 1 transport $K12
check "offload 0x1201" $NS1 ipso_genl offload 4 10.0.0.2 0x1201 sim0 out
settle
$NS1 netprobe udp-send 10.0.0.2 5000 flood 3000 >/dev/null 2>&1 &
F=$!
sleep 0.3
check "delete 0x1201 under traffic" ip -n ns1 xfrm state del src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1201
wait $F
sleep 0.3
state_of 1201 >/dev/null && bad "0x1201 still offloaded" || ok "offload of the deleted SA is gone"
kill $L 2>/dev/null; wait $L 2>/dev/null

n=$(bridge_offloaded_count)
echo "  live offloads before netns deletion: $n"
check "delete ns1 with live offloads" ip netns del ns1
sleep 1
[ "$(grep -c '^sa handle' $D/devices)" -eq 0 ] &&
	ok "NIC SA table empty after the namespace went" || bad "NIC still holds SAs: $(grep '^sa' $D/devices)"
ip netns del ns2
rm -rf /sys/fs/bpf/ipso
check "rmmod simulated NIC" rmmod ipsec_sim
check "rmmod bridge (drops its map references)" rmmod ipsec_offload
finish
