# Sourced by the tests of BPF programs through BPF_PROG_TEST_RUN
# (tests/host/test_bpf_*.sh): run tests/bin/PROG in private mount and
# network namespaces with a fresh bpffs (nothing pinned on the host) and
# lo up.  With "veth": 10.0.0.1 and 2001:db8::1 on lo and a veth pair,
# v0 (the "NIC" that owns offload handles) and v1.  With "gw": a
# forwarding gateway, in0 inside (192.168.1.1/24, fd00:1::1/64) and out0
# the offload device (198.51.100.1/24, 2001:db8:100::1/64), veth peers
# in1 / out1; the remote subnets 10.9.0.0/16, 10.8.0.0/16 and fd00:9::/48
# via 198.51.100.2 / 2001:db8:100::2 (neighbour 02:00:00:00:01:02), the
# peer gateways 203.0.113.0/24 and 2001:db8:200::/48 via .3 / ::3
# (02:00:00:00:01:03), 10.7.0.0/16 via a next hop with no neighbour,
# 192.168.1.250 an inside neighbour.
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

bpf_test_exec() {	# PROG [veth]
	bin=$top/tests/bin/$1
	[ -x "$bin" ] || { echo "SKIP: $bin not built (make -C tests)"; exit 77; }
	[ -e /sys/kernel/btf/vmlinux ] || { echo "SKIP: no kernel BTF"; exit 77; }
	exec unshare -m -n -- sh -c '
		mount -t bpf bpf /sys/fs/bpf ||
			{ echo "SKIP: cannot mount bpffs"; exit 77; }
		ip link set lo up
		if [ "$1" = veth ]; then
			ip addr add 10.0.0.1/32 dev lo
			ip addr add 2001:db8::1/128 dev lo nodad
			ip link add v0 type veth peer name v1 ||
				{ echo "SKIP: no veth"; exit 77; }
			ip link set v0 up
			ip link set v1 up
		fi
		if [ "$1" = gw ]; then
			ip link add in0 type veth peer name in1 &&
			ip link add out0 type veth peer name out1 ||
				{ echo "SKIP: no veth"; exit 77; }
			for d in in0 in1 out0 out1; do ip link set $d up; done
			# /proc, not sysctl(8): procps is not on every machine
			echo 1 >/proc/sys/net/ipv4/ip_forward &&
			echo 1 >/proc/sys/net/ipv6/conf/all/forwarding ||
				{ echo "FAIL: cannot turn forwarding on"; exit 1; }
			ip addr add 192.168.1.1/24 dev in0
			ip addr add fd00:1::1/64 dev in0 nodad
			ip addr add 198.51.100.1/24 dev out0
			ip addr add 2001:db8:100::1/64 dev out0 nodad
			ip neigh add 198.51.100.2 lladdr 02:00:00:00:01:02 \
				nud permanent dev out0
			ip neigh add 198.51.100.3 lladdr 02:00:00:00:01:03 \
				nud permanent dev out0
			ip neigh add 192.168.1.250 lladdr 02:00:00:00:02:50 \
				nud permanent dev in0
			ip neigh add 2001:db8:100::2 lladdr 02:00:00:00:01:02 \
				nud permanent dev out0
			ip neigh add 2001:db8:100::3 lladdr 02:00:00:00:01:03 \
				nud permanent dev out0
			ip route add 10.9.0.0/16 via 198.51.100.2
			ip route add 10.8.0.0/16 via 198.51.100.2
			ip route add 10.7.0.0/16 via 198.51.100.7
			ip route add 203.0.113.0/24 via 198.51.100.3
			ip route add fd00:9::/48 via 2001:db8:100::2
			ip route add 2001:db8:200::/48 via 2001:db8:100::3
		fi
		exec "$0"' "$bin" "${2:-}"
}
