# The accelerator in the guest: bridge module, simulated NIC pair, loader
# daemon.  Sourced after lib.sh.
LOADER=$IPSO/loader/ipsec-offload
BRIDGE_KO=$IPSO/kmod/mlx5_ipsec/ipsec_offload.ko
SIM_KO=$IPSO/kmod/ipsec_sim/ipsec_sim.ko

SIM_DEBUGFS=/sys/kernel/debug/ipsec_sim

# The modules alone, for tests that do without the loader.
offload_require_modules() {
	[ -f "$BRIDGE_KO" ] || skip "ipsec_offload.ko not built"
	[ -f "$SIM_KO" ] || skip "ipsec_sim.ko not built"
}
offload_require() {
	[ -x "$LOADER" ] || skip "loader/ipsec-offload not built"
	offload_require_modules
}

# offload_modules [BRIDGE-PARAM...] [-- SIM-PARAM...]
offload_modules() {
	local bridge=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		bridge="$bridge $1"
		shift
	done
	[ $# -gt 0 ] && shift
	insmod "$BRIDGE_KO" $bridge && insmod "$SIM_KO" "$@"
}

# The start of most tests on the simulated NIC, after their use_test_bins:
# the stock modules, the bridge and the sim (parameters as offload_modules
# takes them), the pair, and the bridge listing sim0.
# sim_test_start [ipv4-only] [BRIDGE-PARAM...] [-- SIM-PARAM...]
sim_test_start() {
	local pair=
	if [ "${1:-}" = ipv4-only ]; then
		pair=ipv4-only
		shift
	fi
	offload_require_modules
	load_stock_modules
	check "bridge and simulated NIC modules${*:+ ($*)}" offload_modules "$@"
	check "sim pair ns1:sim0 <-> ns2:sim1" ns_pair_sim $pair
	check "the bridge lists sim0" wait_for bridge_lists sim0
}

# The keys most tests use, and their usual SAs: transport, replay window
# 32, IPv4 0x1001 (ns1 -> ns2) / 0x2002 (reqid 1) and IPv6 0x3003 /
# 0x4004 (reqid 3).  xfrm_pairs_v4_v6
K12=0x0102030405060708090a0b0c0d0e0f1011121314
K21=0x2122232425262728292a2b2c2d2e2f3031323334
xfrm_pairs_v4_v6() {
	check "IPv4 SAs" xfrm_pair transport 10.0.0.1 10.0.0.2 0x1001 0x2002 1 \
		$K12 $K21 -- replay-window 32
	check "IPv6 SAs" xfrm_pair transport fd00::1 fd00::2 0x3003 0x4004 3 \
		$K12 $K21 -- replay-window 32
}

# --- Packet offload through the kernel's API (6.2 on, tests/sim/xfrm_pkt.c) ---

# One direction A -> B: the SA and policy in ns1 offloaded in packet mode
# on sim0 (DIR out: ns1 sends), in ns2 in software; replay window 32.
# pkt_way DIR MODE A B SPI REQID KEY [SEL_A SEL_B]
pkt_way() {
	local dir=$1 m=$2 a=$3 b=$4 spi=$5 r=$6 k=$7 sa=${8:-$3} sb=${9:-$4}
	local t="tmpl src $a dst $b proto esp reqid $r mode $m" pdir=in
	[ $dir = in ] && pdir=out
	$NS1 xfrm_pkt state sim0 $dir $a $b $spi $r $m $k window=32 &&
	$NS1 xfrm_pkt policy sim0 $dir $sa $sb $a $b $r $m &&
	ip -n ns2 xfrm state add src $a dst $b proto esp spi $spi reqid $r \
		mode $m aead 'rfc4106(gcm(aes))' $k 128 replay-window 32 &&
	ip -n ns2 xfrm policy add src $sa dst $sb dir $pdir $t
}
# Inner hosts for tunnel mode in packet offload: ns1's behind sim0 on lo, ns2's on sim1 so
# that ns1's kernel can resolve them as next hops (it hands the NIC the
# inner packet with the L2 header of that next hop; the NIC rewrites it).
pkt_inner_hosts() {
	ip -n ns1 addr add 192.168.1.1/32 dev lo &&
	ip -n ns1 addr add fd01::1/128 dev lo &&
	ip -n ns2 addr add 192.168.2.1/32 dev sim1 &&
	ip -n ns2 addr add fd02::1/128 dev sim1 nodad &&
	ip -n ns1 route add 192.168.2.1 dev sim0 src 192.168.1.1 &&
	ip -n ns1 route add fd02::1 dev sim0 src fd01::1 &&
	ip -n ns2 route add 192.168.1.1 dev sim1 src 192.168.2.1 &&
	ip -n ns2 route add fd01::1 dev sim1 src fd02::1
}
# Both ways, SPI and REQID out, SPI+1 and REQID+1 back; A is ns1's
# address, B ns2's.  pkt_pair MODE A B SPI REQID [SEL_A SEL_B]
pkt_pair() {
	local m=$1 a=$2 b=$3 s=$4 r=$5
	shift 5
	pkt_way out $m $a $b $s $r $K12 "$@" &&
	pkt_way in $m $b $a $((s + 1)) $((r + 1)) $K21 ${2:-} ${1:-}
}

# Crypto mode: the kernel's ESP offload types, the bridge with its
# xfrmdev backend, the sim's crypto face (mlx5e's contract).
crypto_mode_modules() {
	modprobe esp4_offload && modprobe esp6_offload &&
		offload_modules xfrmdev_backend=1 -- crypto_mode=1
}

# ns1:sim0 (the NIC with the offload) <-> ns2:sim1 (plain peer end),
# addressed like ns_pair_veth.  ns_pair_sim [ipv4-only]
ns_pair_sim() {
	local n
	ip netns add ns1 &&
	ip netns add ns2 &&
	ip link add sim0 type ipsecsim || return 1
	# The NIC registers with the bridge from a work item: let it, so that
	# the move to ns1 is one the bridge has to follow.
	sleep 0.3
	ip link set sim0 netns ns1 &&
	ip link set sim0p netns ns2 &&
	ip -n ns2 link set sim0p name sim1 &&
	ip -n ns1 addr add 10.0.0.1/24 dev sim0 &&
	ip -n ns2 addr add 10.0.0.2/24 dev sim1 || return 1
	if [ "${1:-}" != ipv4-only ]; then
		ip -n ns1 addr add fd00::1/64 dev sim0 nodad &&
		ip -n ns2 addr add fd00::2/64 dev sim1 nodad || return 1
	fi
	for n in ns1 ns2; do ip -n $n link set lo up || return 1; done
	ip -n ns1 link set sim0 up &&
	ip -n ns2 link set sim1 up
}

# The simulated NIC in crypto mode, claimed by the bridge's xfrmdev
# backend as an mlx5e port would be: esp4/6_offload, both modules, the
# pair, the claim.  crypto_sim_setup [ipv4-only]
crypto_sim_setup() {
	modprobe esp4_offload && modprobe esp6_offload &&
	offload_modules xfrmdev_backend=1 -- crypto_mode=1 &&
	ns_pair_sim "$@" &&
	wait_for bridge_lists sim0 xfrmdev
}

# A second pair into the same namespaces, after ns_pair_sim:
# ns1:sim2 10.0.2.1/24 <-> ns2:sim3 10.0.2.2/24.
ns_second_sim_pair() {
	ip link add sim2 type ipsecsim &&
	sleep 0.3 &&
	ip link set sim2 netns ns1 &&
	ip link set sim2p netns ns2 &&
	ip -n ns2 link set sim2p name sim3 &&
	ip -n ns1 addr add 10.0.2.1/24 dev sim2 &&
	ip -n ns2 addr add 10.0.2.2/24 dev sim3 &&
	ip -n ns1 link set sim2 up &&
	ip -n ns2 link set sim3 up
}

# Hosts behind each end for tunnel mode, on lo: 192.168.1.1 in ns1,
# 192.168.2.1 in ns2 (with ipv6 also fd01::1, fd02::1), routed over the
# sim pair from those addresses.  After ns_pair_sim.  sim_inner_hosts [ipv6]
sim_inner_hosts() {
	ip -n ns1 addr add 192.168.1.1/32 dev lo &&
	ip -n ns2 addr add 192.168.2.1/32 dev lo &&
	ip -n ns1 route add 192.168.2.0/24 dev sim0 src 192.168.1.1 &&
	ip -n ns2 route add 192.168.1.0/24 dev sim1 src 192.168.2.1 || return 1
	[ "${1:-}" = ipv6 ] || return 0
	ip -n ns1 addr add fd01::1/128 dev lo &&
	ip -n ns2 addr add fd02::1/128 dev lo &&
	ip -n ns1 route add fd02::/64 dev sim0 src fd01::1 &&
	ip -n ns2 route add fd01::/64 dev sim1 src fd02::1
}

# The end of most sim tests: the namespaces go first, taking their devices
# and offloads, or the modules would still be in use.
offload_teardown() {
	ip netns del ns1
	ip netns del ns2
	sleep 0.5
	check "rmmod simulated NIC" rmmod ipsec_sim
	check "rmmod bridge" rmmod ipsec_offload
}

# --- The bridge over genetlink (tests/bin/ipso_genl), in ns1 ---

# GET_DEVICES lists NAME (with BACKEND, when given).  The simulated NIC
# registers from a work item, so this turns true a little after the link
# exists: wait_for bridge_lists sim0 sim
bridge_lists() {	# NAME [BACKEND]
	local want="name=$1"
	[ -n "${2:-}" ] && want="$want backend=$2"
	$NS1 ipso_genl devices 2>/dev/null | grep -q "$want"
}
# One check per SA, each "FAMILY DADDR SPI DIR", offloaded on sim0.
# offload_on_sim0 "4 10.0.0.2 0x1001 out"...
offload_on_sim0() {
	local x
	for x in "$@"; do
		check "offload $x" _offload_sim0 $x
	done
}
_offload_sim0() { $NS1 ipso_genl offload "$1" "$2" "$3" sim0 "$4" >/dev/null; }
# Offloads the bridge holds OFFLOADED, per GET_OFFLOAD (the loader's view is
# offloaded_count).
bridge_offloaded_count() { $NS1 ipso_genl dump | grep -c 'state=offloaded'; }
# Installs run on the bridge's workqueue.  wait_bridge_offloaded N
wait_bridge_offloaded() { wait_for _bridge_offloaded_ge "$1"; }
_bridge_offloaded_ge() { [ "$(bridge_offloaded_count)" -ge "$1" ]; }

# --- The simulated NIC's debugfs ---

# The file has a block per host end; a counter is DEV's (default sim0).
# sim_stat NAME [DEV]
sim_stat() {
	awk -v d="${2:-sim0}" -v k="$1" '$1 == "device" { dev = $2 }
		dev == d && $1 == k { print $2 }' $SIM_DEBUGFS/devices
}
# Field NAME of the NIC's SA with SPI (four hex digits).  sim_sa_field SPI NAME
sim_sa_field() {
	awk -v s="spi 0x0000$1" -v f="$2" 'index($0, s) {
		for (i = 1; i < NF; i++) if ($i == f) print $(i + 1) }' $SIM_DEBUGFS/devices
}
# The NIC's bytes and packets of an SA equal what ns2's software IPsec
# counted for it, and are not zero.  SPI: four hex digits.
# sim_counters_match_peer SRC DST SPI
sim_counters_match_peer() {
	local p o
	p=$(ip -n ns2 -s xfrm state get src "$1" dst "$2" proto esp spi "0x$3" |
		sed -n 's/^[[:space:]]*\([0-9]*\)(bytes), \([0-9]*\)(packets).*/\1 \2/p' |
		head -n 1)
	o="$(sim_sa_field "$3" bytes) $(sim_sa_field "$3" packets)"
	echo "  spi 0x$3: ours (bytes packets) $o, peer $p"
	[ "$o" = "$p" ] && [ "${p%% *}" -gt 0 ]
}
# ns2 sends datagram TAG to 10.0.0.1:5001 over SA 0x2002 while esp_inject
# on sim1 puts a replayed or tampered copy of its ESP on the wire: true
# when the copy was dropped (TAG delivered once).  inject_copy replay|tamper TAG
inject_copy() {
	local r j jrc
	$NS1 netprobe udp-recv 5001 4 5 >/run/inj.out 2>&1 &
	r=$!
	$NS2 esp_inject sim1 0x2002 "$1" 8 >/run/inj.log 2>&1 &
	j=$!
	sleep 0.5
	$NS2 netprobe udp-send 10.0.0.1 5001 "$2" >/dev/null 2>&1
	wait $j
	jrc=$?
	wait $r
	cat /run/inj.log
	[ $jrc -eq 0 ] && [ "$(grep -c "$2" /run/inj.out)" -eq 1 ]
}

loader() { $NS1 "$LOADER" "$@"; }

# In ns1; waits until it says it is ready.  The logs are appended to,
# so a restart waits for a new "daemon ready", not the last run's.
daemon_start() {	# [LOADER-OPTION...]
	local ready
	ready=$(cat /run/daemon.out 2>/dev/null | grep -c 'daemon ready')
	$NS1 "$LOADER" "$@" daemon >>/run/daemon.out 2>>/run/daemon.err &
	DAEMON=$!
	wait_for _daemon_ready_after "$ready"
}
_daemon_ready_after() {	# N: more than N ready lines
	[ "$(cat /run/daemon.out 2>/dev/null | grep -c 'daemon ready')" -gt "$1" ]
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

# Where packets went missing: the NICs' drop counters and each
# namespace's XFRM error counters, the non-zero ones.  loss_report
loss_report() {
	for d in sim0 sim1; do
		for k in tx_drop_stale tx_drop_error tx_slowpath rx_no_sa \
			rx_auth_fail rx_replay rx_not_live rx_drop_error; do
			v=$(sim_stat "$k" "$d")
			[ "${v:-0}" = 0 ] || echo "  $d $k $v"
		done
	done
	for n in ns1 ns2; do
		ip netns exec "$n" cat /proc/net/xfrm_stat 2>/dev/null |
			awk -v n="$n" '$2 != 0 { print "  " n " " $1 " " $2 }'
		ip -n "$n" -s link show 2>/dev/null | awk -v n="$n" '
			/^[0-9]+:/ { dev = $2 }
			/RX:|TX:/ { dir = $1; getline
				if ($4 != 0) print "  " n " " dev " " dir " dropped " $4 }'
	done
	awk '$2 !~ /^0+$/ { print "  softnet cpu" NR - 1 " dropped 0x" $2 }' \
		/proc/net/softnet_stat 2>/dev/null
}

# --- The XDP gateway fast path (test_fastpath_gateway.sh, bench/) ---
# ns0 (192.168.1.2 on veth0) behind the gateway ns1 (veth1 192.168.1.1,
# sim0 10.0.0.1, forwarding), ns2 (sim1 10.0.0.2, 192.168.2.1 on a dummy)
# behind the peer; after ns_pair_sim ipv4-only.  fastpath_gateway6 adds
# IPv6 (after ns_pair_sim with IPv6): fd01::2 / fd01::1 on the veth pair,
# fd02::1 behind ns2, outer fd00::1 / fd00::2.
NS0="nsenter --net=/run/netns/ns0"
fastpath_gateway() {
	ip netns add ns0 &&
	ip link add veth0 netns ns0 type veth peer name veth1 netns ns1 &&
	ip -n ns0 link set lo up && ip -n ns0 link set veth0 up &&
	ip -n ns1 link set veth1 up &&
	ip -n ns0 addr add 192.168.1.2/24 dev veth0 &&
	ip -n ns0 route add default via 192.168.1.1 &&
	ip -n ns1 addr add 192.168.1.1/24 dev veth1 &&
	ip -n ns1 route add 192.168.2.0/24 via 10.0.0.2 dev sim0 &&
	$NS1 sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward' &&
	ip -n ns2 link add sub2 type dummy && ip -n ns2 link set sub2 up &&
	ip -n ns2 addr add 192.168.2.1/24 dev sub2 &&
	ip -n ns2 route add 192.168.1.0/24 via 10.0.0.1 dev sim1
}

fastpath_gateway6() {
	ip -n ns0 addr add fd01::2/64 dev veth0 nodad &&
	ip -n ns0 -6 route add default via fd01::1 &&
	ip -n ns1 addr add fd01::1/64 dev veth1 nodad &&
	ip -n ns1 -6 route add fd02::/64 via fd00::2 dev sim0 &&
	$NS1 sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/forwarding' &&
	ip -n ns2 addr add fd02::1/64 dev sub2 nodad &&
	ip -n ns2 -6 route add fd01::/64 via fd00::1 dev sim1
}

# Tunnel SAs 0x1001 (ns1 -> ns2, reqid 1) and 0x2002 (back, reqid 2) for
# 192.168.1.0/24 <-> 192.168.2.0/24; ns1 has out, fwd (inbound) and in.
FP_K12=0x0102030405060708090a0b0c0d0e0f1011121314
FP_K21=0x2122232425262728292a2b2c2d2e2f3031323334
FP_T1="tmpl src 10.0.0.1 dst 10.0.0.2 proto esp reqid 1 mode tunnel"
FP_T2="tmpl src 10.0.0.2 dst 10.0.0.1 proto esp reqid 2 mode tunnel"
fastpath_tunnel() {
	xfrm_sa "ns1 ns2" 10.0.0.1 10.0.0.2 0x1001 1 tunnel $FP_K12 replay-window 32 &&
	xfrm_sa "ns1 ns2" 10.0.0.2 10.0.0.1 0x2002 2 tunnel $FP_K21 replay-window 32 &&
	ip -n ns1 xfrm policy add src 192.168.1.0/24 dst 192.168.2.0/24 dir out $FP_T1 &&
	ip -n ns1 xfrm policy add src 192.168.2.0/24 dst 192.168.1.0/24 dir fwd $FP_T2 &&
	ip -n ns1 xfrm policy add src 192.168.2.0/24 dst 192.168.1.0/24 dir in $FP_T2 &&
	ip -n ns2 xfrm policy add src 192.168.2.0/24 dst 192.168.1.0/24 dir out $FP_T2 &&
	ip -n ns2 xfrm policy add src 192.168.1.0/24 dst 192.168.2.0/24 dir in $FP_T1
}
# The same for IPv6: 0x3003 (reqid 3) and 0x4004 (reqid 4), fd01::/64
# <-> fd02::/64 over fd00::1 <-> fd00::2.
FP_T3="tmpl src fd00::1 dst fd00::2 proto esp reqid 3 mode tunnel"
FP_T4="tmpl src fd00::2 dst fd00::1 proto esp reqid 4 mode tunnel"
fastpath_tunnel6() {
	xfrm_sa "ns1 ns2" fd00::1 fd00::2 0x3003 3 tunnel $FP_K12 replay-window 32 &&
	xfrm_sa "ns1 ns2" fd00::2 fd00::1 0x4004 4 tunnel $FP_K21 replay-window 32 &&
	ip -n ns1 xfrm policy add src fd01::/64 dst fd02::/64 dir out $FP_T3 &&
	ip -n ns1 xfrm policy add src fd02::/64 dst fd01::/64 dir fwd $FP_T4 &&
	ip -n ns1 xfrm policy add src fd02::/64 dst fd01::/64 dir in $FP_T4 &&
	ip -n ns2 xfrm policy add src fd02::/64 dst fd01::/64 dir out $FP_T4 &&
	ip -n ns2 xfrm policy add src fd01::/64 dst fd02::/64 dir in $FP_T3
}
