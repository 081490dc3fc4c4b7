# SPDX-License-Identifier: GPL-2.0
# Datapath tests: C programs in tests/bpf/ driven by tests/host/test_bpf_*.sh
# and test_spd_diff.sh.  They link libipso.a and the skeletons of
# the datapath's objects and of the test object, which only tests and the
# benchmark load.
BPF_DIR := ../bpf
BPF_SKELS := $(BPF_DIR)/ipso_classify.skel.h $(BPF_DIR)/ipso_xdp.skel.h \
	$(BPF_DIR)/ipso_tc.skel.h $(BPF_DIR)/ipso_fastpath.skel.h \
	$(BIN)/ipso_classify_test.skel.h
BPF_TLIB := bpf/tlib.c $(IPSO_LIB)
BPF_TLIB_H := bpf/tlib.h $(wildcard ../loader/lib/*.h) $(BPF_DIR)/ipso_spd.h
BPF_TCFLAGS := -I$(BPF_DIR) -I../loader/lib -I$(BIN) \
	$(shell pkg-config --cflags libbpf)
BPF_TLIBS := $(shell pkg-config --libs libbpf libmnl) -lelf -lz
BPF_TESTS := test_bpf_classify test_bpf_xdp test_bpf_tc test_bpf_fastpath \
	test_bpf_fuzz spd_diff bpf_bench fastpath_bench mirror_tool

TEST_BINS += $(addprefix $(BIN)/,$(BPF_TESTS))

$(filter $(BPF_DIR)/%,$(BPF_SKELS)):
	$(MAKE) -C $(BPF_DIR)

# Built like the datapath's objects (bpf/Makefile), against its headers.
$(BIN)/ipso_classify_test.bpf.o: bpf/ipso_classify_test.bpf.c \
		bpf/classify_test.h $(wildcard $(BPF_DIR)/*.h) | $(BIN)
	$(MAKE) -C $(BPF_DIR) vmlinux.h
	clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror \
		-I$(BPF_DIR) -I../include -c $< -o $@

$(BIN)/ipso_classify_test.skel.h: $(BIN)/ipso_classify_test.bpf.o
	bpftool gen skeleton $< name ipso_classify_test > $@.tmp && mv $@.tmp $@

$(BIN)/test_bpf_% : bpf/test_bpf_%.c $(BPF_TLIB) $(BPF_TLIB_H) $(BPF_SKELS) | $(BIN)
	$(CC) $(CFLAGS) $(BPF_TCFLAGS) -o $@ $< $(BPF_TLIB) $(BPF_TLIBS)

$(BIN)/spd_diff: bpf/spd_diff.c $(BPF_TLIB) $(BPF_TLIB_H) $(BPF_SKELS) | $(BIN)
	$(CC) $(CFLAGS) $(BPF_TCFLAGS) -o $@ $< $(BPF_TLIB) $(BPF_TLIBS)

$(BIN)/mirror_tool: bpf/mirror_tool.c $(BPF_TLIB) $(BPF_TLIB_H) $(BPF_SKELS) | $(BIN)
	$(CC) $(CFLAGS) $(BPF_TCFLAGS) -o $@ $< $(BPF_TLIB) $(BPF_TLIBS)

$(BIN)/fastpath_bench: ../bench/fastpath_bench.c $(BPF_TLIB) $(BPF_TLIB_H) $(BPF_SKELS) | $(BIN)
	$(CC) $(CFLAGS) $(BPF_TCFLAGS) -Ibpf -o $@ $< $(BPF_TLIB) $(BPF_TLIBS)

$(BIN)/bpf_bench: ../bench/bpf_bench.c $(BPF_TLIB) $(BPF_TLIB_H) $(BPF_SKELS) | $(BIN)
	$(CC) $(CFLAGS) $(BPF_TCFLAGS) -Ibpf -o $@ $< $(BPF_TLIB) $(BPF_TLIBS)
