#!/bin/bash
# The XDP gateway fast path through BPF_PROG_TEST_RUN on a forwarding
# namespace (inside in0, offload device out0: tests/host/bpf_lib.sh "gw"),
# maps written by the mirror and, for the module's part, by the test.
. "$(dirname "$0")/bpf_lib.sh"
bpf_test_exec test_bpf_fastpath gw
