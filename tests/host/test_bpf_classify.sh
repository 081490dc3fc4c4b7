#!/bin/bash
# The XFRM classifier through BPF_PROG_TEST_RUN of its explain entry, with
# policies and SAs written by the mirror (loader/mirror.c).  Private mount
# and network namespaces: a fresh bpffs, nothing pinned on the host.
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$top/tests/bin/test_bpf_classify
[ -x "$bin" ] || { echo "SKIP: $bin not built (make -C tests)"; exit 77; }
[ -e /sys/kernel/btf/vmlinux ] || { echo "SKIP: no kernel BTF"; exit 77; }
exec unshare -m -n -- sh -c '
	mount -t bpf bpf /sys/fs/bpf || { echo "SKIP: cannot mount bpffs"; exit 77; }
	ip link set lo up
	exec "$0"' "$bin"
