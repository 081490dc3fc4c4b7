#!/bin/bash
# The tc egress decision through BPF_PROG_TEST_RUN (secpath states fed by
# the test entry ipso_tc_test), maps written by the mirror, with lo and a
# veth pair (tests/host/bpf_lib.sh).
. "$(dirname "$0")/bpf_lib.sh"
bpf_test_exec test_bpf_tc veth
