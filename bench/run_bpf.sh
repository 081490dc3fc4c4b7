#!/bin/bash
# Datapath benchmark (figures, not a test): builds tests/bin/bpf_bench and
# runs it in private mount and network namespaces.  Lines:
#   bench: name=... spd=... ns_per_pkt=... ratio_to_floor=...
# usage: bench/run_bpf.sh [SPD_SIZES...]   (default 1 1000 10000 100000)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
make -s -C "$top/bpf" >/dev/null
make -s -C "$top/tests" bin/bpf_bench >/dev/null
echo "bench: kernel=$(uname -r) cpus=$(nproc)"
exec unshare -m -n -- sh -c '
	mount -t bpf bpf /sys/fs/bpf
	ip link set lo up
	exec "$0" "$@"' "$top/tests/bin/bpf_bench" "$@"
