#!/bin/sh
# The simulated NIC's anti-replay window and ESN inference
# (kmod/ipsec_sim/replay.c), unit-tested in user space: in-order, late,
# duplicate, too old, window jumps, inherited kernel state, window 0, a
# forged packet not moving the window, ESN across 2^32.
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$top/tests/bin/sim_replay_test
if [ ! -x "$bin" ]; then
	echo "SKIP: $bin not built (make -C tests)"
	exit 77
fi
"$bin"
