#!/bin/sh
# The differential test (see tests/host/test_spd_diff.sh) on the guest's
# 6.1 kernel, whose tie order between equal-priority policies differs
# from >= 6.12 (exact vs inexact policies, pos): the mirror must follow
# the running kernel.  Small: one seed, TCG is slow.
. /opt/ipso/tests/guest/lib.sh
grep -q " /sys/fs/bpf " /proc/mounts || mount -t bpf bpf /sys/fs/bpf
[ -x $IPSO/tests/bin/spd_diff ] || skip "tests/bin/spd_diff not built"
[ -e /proc/net/xfrm_stat ] || modprobe xfrm_user
seed=${IPSO_DIFF_SEED:-$(( $(date +%s) % 100000 ))}
echo "seed: $seed"
unshare -m -n sh -c '
	IP=/usr/sbin/ip
	mount -t bpf bpf /sys/fs/bpf
	sysctl -qw net.ipv6.conf.default.router_solicitations=0 2>/dev/null
	sysctl -qw net.ipv6.conf.all.router_solicitations=0 2>/dev/null
	$IP link set lo up
	$IP link add v0 type veth peer name v1 || exit 77
	$IP link set v0 arp off
	$IP link set v0 up && $IP link set v1 up
	for a in 10.0.0.1 10.0.0.2 10.0.0.3 10.0.1.4; do $IP addr add $a/32 dev v0; done
	for a in 2001:db8::1 2001:db8::2 2001:db8::3 2001:db8:0:1::4; do
		$IP addr add $a/128 dev v0 nodad
	done
	$IP route add 10.0.0.0/8 dev v0
	$IP -6 route add 2001:db8::/32 dev v0
	sleep 2
	# a fixed seed and a random one; each run ends with the tie sequence
	"$0" 31059 1 150 400 || exit $?
	exec "$0" "$1" 1 150 400' $IPSO/tests/bin/spd_diff "$seed" >/run/spd_diff.out 2>&1
rc=$?
sed 's/^/  /' /run/spd_diff.out | grep -v '^  seed [0-9]*$' | tail -n 16
[ $rc -eq 77 ] && skip "no veth or xfrm_stat"
check "kernel 6.1 SPD decisions == classifier (seeds 31059, $seed)" [ $rc -eq 0 ]
finish
