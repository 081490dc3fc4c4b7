# The accelerator in the guest: bridge module, simulated NIC pair, loader
# daemon.  Sourced after lib.sh.
LOADER=$IPSO/loader/ipsec-offload
BRIDGE_KO=$IPSO/kmod/mlx5_ipsec/ipsec_offload.ko
SIM_KO=$IPSO/kmod/ipsec_sim/ipsec_sim.ko

offload_require() {
	[ -x "$LOADER" ] || skip "loader/ipsec-offload not built"
	[ -f "$BRIDGE_KO" ] || skip "ipsec_offload.ko not built"
	[ -f "$SIM_KO" ] || skip "ipsec_sim.ko not built"
}

offload_modules() {	# bridge module parameters...
	insmod "$BRIDGE_KO" "$@" && insmod "$SIM_KO"
}

# ns1:sim0 (the NIC with the offload) <-> ns2:sim1 (plain peer end),
# addressed like ns_pair_veth.
ns_pair_sim() {
	local n
	ip netns add ns1
	ip netns add ns2
	ip link add sim0 type ipsecsim || return 1
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
}

loader() { $NS1 "$LOADER" "$@"; }

daemon_start() {	# in ns1; waits until it says it is ready
	local i
	$NS1 "$LOADER" daemon >>/run/daemon.out 2>>/run/daemon.err &
	DAEMON=$!
	i=0
	until grep -q 'daemon ready' /run/daemon.out 2>/dev/null || [ $i -gt 100 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	grep -q 'daemon ready' /run/daemon.out
}

daemon_stop() {	# SIGTERM: offloads withdrawn, exit status returned
	kill -TERM "$DAEMON"
	wait "$DAEMON"
}

# Number of (SA, device) pairs OFFLOADED with a handle, per the loader.
offloaded_count() {
	loader -j show offload | grep -o '"state":"offloaded","handle":[1-9][0-9]*' | wc -l
}

wait_offloaded() {	# N [TENTHS]
	local i=0
	while [ "$(offloaded_count)" -lt "$1" ] && [ $i -lt "${2:-100}" ]; do
		i=$((i + 1))
		sleep 0.1
	done
	[ "$(offloaded_count)" -ge "$1" ]
}

# Packet counter of one SA, as `ip -s xfrm state` shows it: NS 0xSPI
# (eight hex digits, as ip prints it)
sa_packets() {
	ip -n "$1" -s xfrm state | awk -v spi="$2" '
		$1 == "proto" && index($4, spi "(") == 1 { f = 1 }
		f && /lifetime current:/ { getline; sub(/\(packets\)/, "", $2); print $2; exit }'
}
