#!/bin/bash
# Benchmark of the XDP gateway fast path (figures, not a test): builds
# tests/bin/fastpath_bench and runs it on the forwarding namespace of
# tests/host/bpf_lib.sh ("gw").  Lines:
#   bench: name=... spd=... ns_per_pkt=... ratio_to_floor=...
# usage: bench/run_fastpath.sh   (SPD sizes 1000, 10000, 100000)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
make -s -C "$top/bpf" >/dev/null
make -s -C "$top/tests" bin/fastpath_bench >/dev/null
echo "bench: kernel=$(uname -r) cpus=$(nproc)"
. "$top/tests/host/bpf_lib.sh"
bpf_test_exec fastpath_bench gw
