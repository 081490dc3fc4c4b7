#!/bin/bash
# Random and truncated frames through the XDP ingress and tc egress
# programs (tests/bpf/test_bpf_fuzz.c), with lo and a veth pair
# (tests/host/bpf_lib.sh).
. "$(dirname "$0")/bpf_lib.sh"
bpf_test_exec test_bpf_fuzz veth
