#!/bin/bash
# The XFRM classifier through BPF_PROG_TEST_RUN of its explain entry, with
# policies and SAs written by the mirror (loader/lib/mirror.c), in a fresh
# bpffs (tests/host/bpf_lib.sh).
. "$(dirname "$0")/bpf_lib.sh"
bpf_test_exec test_bpf_classify
