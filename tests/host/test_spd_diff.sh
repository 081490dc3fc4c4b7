#!/bin/bash
# Differential test: the kernel's own outbound XFRM policy decision
# (ip xfrm policy + real sendto, /proc/net/xfrm_stat) against the BPF
# classifier for random policy sets and flows.  Seeded and reproducible:
#   IPSO_DIFF_SEED=N tests/host/test_spd_diff.sh
# Defaults: 3 seeds x 250 policies x 1200 flows, each checked twice
# (full set, then after deleting a third): 7200 flow decisions.
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$top/tests/bin/spd_diff
[ -x "$bin" ] || { echo "SKIP: $bin not built (make -C tests)"; exit 77; }
[ -e /sys/kernel/btf/vmlinux ] || { echo "SKIP: no kernel BTF"; exit 77; }
seed=${IPSO_DIFF_SEED:-$(( $(date +%s) % 100000 ))}
echo "seed: $seed (rerun: IPSO_DIFF_SEED=$seed $0)"
exec unshare -m -n -- sh -c '
	mount -t bpf bpf /sys/fs/bpf || { echo "SKIP: cannot mount bpffs"; exit 77; }
	ip link set lo up
	# no background traffic may pass the SPD while a flow is measured:
	# no ARP/ND (NOARP), no router solicitations, MLD settled
	echo 0 >/proc/sys/net/ipv6/conf/default/router_solicitations
	echo 0 >/proc/sys/net/ipv6/conf/all/router_solicitations
	ip link add v0 type veth peer name v1 || { echo "SKIP: no veth"; exit 77; }
	ip link set v0 arp off
	ip link set v0 up && ip link set v1 up
	for a in 10.0.0.1 10.0.0.2 10.0.0.3 10.0.1.4; do
		ip addr add $a/32 dev v0
	done
	for a in 2001:db8::1 2001:db8::2 2001:db8::3 2001:db8:0:1::4; do
		ip addr add $a/128 dev v0 nodad
	done
	ip route add 10.0.0.0/8 dev v0
	ip -6 route add 2001:db8::/32 dev v0
	sleep 2
	exec "$0" "$1" "${IPSO_DIFF_SEEDS:-3}" "${IPSO_DIFF_POLICIES:-250}" \
		"${IPSO_DIFF_FLOWS:-1200}"' "$bin" "$seed"
