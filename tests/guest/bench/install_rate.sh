#!/bin/sh
# Benchmark (not a test): offload install rate through the bridge
# module's workqueue, as users get it — N outbound SAs exist, the daemon
# starts, and we time until all N are OFFLOADED on the simulated NIC.
# Prints one "bench:" line per size.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_offload.sh
offload_require
load_stock_modules
offload_modules poll_ms=1000 || exit 1
K=0x0102030405060708090a0b0c0d0e0f1011121314

run() {	# N
	local n=$1 i got t0 t1
	ns_pair_sim || return 1
	i=1
	while [ $i -le "$n" ]; do
		printf 'xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi %d reqid %d mode transport aead rfc4106(gcm(aes)) %s 128\n' \
			$((0x10000 + i)) $i $K
		i=$((i + 1))
	done >/run/sas.batch
	ip -n ns1 -batch /run/sas.batch || return 1
	# one template of reqid 0 makes every SA outbound for the loader
	ip -n ns1 xfrm policy add src 10.0.0.1 dst 10.0.0.2 dir out \
		tmpl src 10.0.0.1 dst 10.0.0.2 proto esp mode transport
	loader attach sim0 >/dev/null || return 1
	t0=$(cut -d' ' -f1 /proc/uptime)
	daemon_start || return 1
	wait_offloaded "$n" 3000
	got=$(offloaded_count)
	t1=$(cut -d' ' -f1 /proc/uptime)
	echo "$n $got $t0 $t1" | awk '{ s = $4 - $3;
		printf "bench: name=module_offload_install sas=%d offloaded=%d seconds=%.2f sas_per_s=%.0f (guest, TCG)\n",
			$1, $2, s, $2 / s }'
	daemon_stop >/dev/null
	ip netns del ns1
	ip netns del ns2
	sleep 1
}
for size in 100 1000; do
	run $size
done
exit 0
