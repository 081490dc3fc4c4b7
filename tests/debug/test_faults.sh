#!/bin/sh
# Fault injection on the debug kernel (debug tier only): offloads of SAs
# on the simulated NIC are installed and torn down in a loop while
# failslab or fail_page_alloc makes one allocation fail, chosen at random:
#   requester  only the process that asks for the offload (task-filter,
#              make-it-fail): the genetlink request path
#   anywhere   any task, kernel threads included: the bridge's work queue
#              and the NIC's install as well
# Every round must end in a state the bridge can answer for: OFFLOADED
# with the NIC holding the SA, REJECTED with a reason, or no offload when
# the request itself failed; never PENDING.  Every teardown must leave
# neither an offload nor an SA on the NIC.  No crash, no leak: the debug
# guest's scan after the test (tests/debug/init) checks KASAN, lockdep
# and kmemleak.  Prints how many faults were injected.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
offload_require_modules
DBG=/sys/kernel/debug
[ -d $DBG/failslab ] && [ -d $DBG/fail_page_alloc ] ||
	skip "no failslab/fail_page_alloc in debugfs (not the debug kernel)"
load_stock_modules
PATH=$IPSO/bin:$PATH
D=$SIM_DEBUGFS
ROUNDS=${ROUNDS:-15}
K=0x0102030405060708090a0b0c0d0e0f1011121314

check "bridge (poll 100 ms) and simulated NIC modules" offload_modules poll_ms=100
ns_pair_sim ipv4-only
check "the bridge lists sim0" wait_for bridge_lists sim0
mkdir -p /sys/fs/bpf/ipso
check "SET_MAPS" ipso_genl setmaps good /sys/fs/bpf/ipso

none_pending() { ! $NS1 ipso_genl dump 2>/dev/null | grep -q 'state=pending'; }
state_of() { $NS1 ipso_genl dump 2>/dev/null | grep "spi=0x0000$1 "; }
rnd() { od -An -N2 -tu2 /dev/urandom | tr -d ' '; }
nic_sas() { grep -c '^sa handle' $D/devices; }

# The knobs of one phase, with no fault armed yet (times 0).
# setup FACILITY requester|anywhere
setup() {
	local f=$DBG/$1
	{
		echo 0 >$f/times &&
		echo N >$f/ignore-gfp-wait &&
		echo 100 >$f/probability &&
		echo 1 >$f/interval &&
		echo 1 >$f/verbose &&
		if [ "$2" = requester ]; then echo Y; else echo N; fi >$f/task-filter &&
		if [ "$1" = fail_page_alloc ]; then
			echo 0 >$f/min-order && echo N >$f/ignore-gfp-highmem
		fi
	} || bad "set up $1 ($2)"
}
# One fault at most, after a random amount of allocation: space counts
# bytes for failslab, pages for fail_page_alloc.
arm() {	# FACILITY
	local range=32768
	[ "$1" = fail_page_alloc ] && range=256
	echo $(($(rnd) % range)) >$DBG/$1/space
	echo 1 >$DBG/$1/times
}
disarm() { echo 0 >$DBG/$1/times; }

# round FACILITY MODE SPI: install, classify, tear down
round() {
	local fac=$1 mode=$2 spi=$3 hex grc st
	hex=$(printf '%04x' "$spi")
	xfrm_sa ns1 10.0.0.1 10.0.0.2 "$spi" 21 transport $K ||
		{ bad "add SA 0x$hex"; return; }
	# Armed in a subshell: a fault anywhere can fail one of its forks,
	# which ends a busybox shell; this one keeps going and disarms.
	(
		arm "$fac"
		if [ "$mode" = requester ]; then
			$NS1 sh -c "echo 1 >/proc/self/make-it-fail; exec ipso_genl offload 4 10.0.0.2 $spi sim0 out"
		else
			$NS1 ipso_genl offload 4 10.0.0.2 "$spi" sim0 out
		fi >/dev/null 2>&1
		grc=$?
		# the install runs on the bridge's work queue: keep it armed
		wait_for none_pending
		exit $grc
	)
	grc=$?
	disarm "$fac"
	wait_for none_pending || bad "0x$hex: still PENDING after 10 s"
	st=$(state_of "$hex")
	case $st in
	*state=offloaded*)
		grep -q "spi 0x0000$hex" $D/devices && outcome=offloaded ||
			{ bad "0x$hex: OFFLOADED but not on the NIC"; outcome=bad; } ;;
	*state=rejected*reason=-*) outcome=rejected ;;
	"") if [ $grc -ne 0 ]; then outcome=request_failed
	    else bad "0x$hex: request succeeded, no offload"; outcome=bad; fi ;;
	*) bad "0x$hex: $st"; outcome=bad ;;
	esac
	eval "n_$outcome=\$((\${n_$outcome:-0} + 1))"
	ip -n ns1 xfrm state del src 10.0.0.1 dst 10.0.0.2 proto esp spi "$spi" ||
		bad "delete SA 0x$hex"
	wait_for sh -c "! $NS1 ipso_genl dump 2>/dev/null | grep -q 'spi=0x0000$hex '" ||
		bad "0x$hex: offload outlives its SA"
	wait_for sh -c "[ \$(grep -c '^sa handle' $D/devices) -eq 0 ]" ||
		bad "0x$hex: NIC still holds $(nic_sas) SA(s) after teardown"
}

spi=$((0x3000))
for phase in failslab:requester fail_page_alloc:requester failslab:anywhere \
	     fail_page_alloc:anywhere; do
	setup "${phase%:*}" "${phase#*:}"
	i=0
	before=$(dmesg | grep -c 'FAULT_INJECTION: forcing a failure')
	while [ $i -lt "$ROUNDS" ]; do
		round "${phase%:*}" "${phase#*:}" $spi
		spi=$((spi + 1))
		i=$((i + 1))
	done
	n=$(($(dmesg | grep -c 'FAULT_INJECTION: forcing a failure') - before))
	echo "faults injected: $n in $ROUNDS rounds ($phase)"
	total=$((${total:-0} + n))
done
echo "faults injected: $total in total; rounds: offloaded ${n_offloaded:-0}," \
	"rejected ${n_rejected:-0}, request failed ${n_request_failed:-0}, bad ${n_bad:-0}"
[ "$total" -gt 0 ] && ok "faults were injected" || bad "no fault was injected"

# the system still works after the faults
xfrm_sa ns1 10.0.0.1 10.0.0.2 0x1001 1 transport $K
check "offload 0x1001 after the faults" $NS1 ipso_genl offload 4 10.0.0.2 0x1001 sim0 out
wait_for none_pending
state_of 1001 | grep -q state=offloaded && ok "0x1001 OFFLOADED" ||
	bad "0x1001: $(state_of 1001)"
rm -rf /sys/fs/bpf/ipso
offload_teardown
echo "checks failed: $fails"
[ "$fails" -eq 0 ]
