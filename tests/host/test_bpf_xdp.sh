#!/bin/bash
# The XDP ingress and tc egress programs through BPF_PROG_TEST_RUN, maps
# written by the mirror, with lo and a veth pair (tests/host/bpf_lib.sh).
. "$(dirname "$0")/bpf_lib.sh"
bpf_test_exec test_bpf_xdp veth
