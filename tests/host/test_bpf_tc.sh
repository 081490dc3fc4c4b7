#!/bin/bash
# The tc egress decision through BPF_PROG_TEST_RUN (secpath states fed by
# the test entry ipso_tc_test), maps
# written by the mirror.  Private mount and network namespaces with lo
# and a veth pair (v0 is the "NIC" that owns offload handles).
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$top/tests/bin/test_bpf_tc
[ -x "$bin" ] || { echo "SKIP: $bin not built (make -C tests)"; exit 77; }
[ -e /sys/kernel/btf/vmlinux ] || { echo "SKIP: no kernel BTF"; exit 77; }
exec unshare -m -n -- sh -c '
	mount -t bpf bpf /sys/fs/bpf || { echo "SKIP: cannot mount bpffs"; exit 77; }
	ip link set lo up
	ip addr add 10.0.0.1/32 dev lo
	ip addr add 2001:db8::1/128 dev lo nodad
	ip link add v0 type veth peer name v1 || { echo "SKIP: no veth"; exit 77; }
	ip link set v0 up
	ip link set v1 up
	exec "$0"' "$bin"
