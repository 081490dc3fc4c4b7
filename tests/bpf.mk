# SPDX-License-Identifier: GPL-2.0
# Datapath tests (owner: datapath helper): C programs in tests/bpf/ driven
# by tests/host/test_bpf_*.sh and test_spd_diff.sh.  They link the mirror
# library and the skeletons of the BPF objects.
BPF_DIR := ../bpf
BPF_SKELS := $(BPF_DIR)/ipso_classify.skel.h $(BPF_DIR)/ipso_xdp.skel.h \
	$(BPF_DIR)/ipso_tc.skel.h
BPF_TLIB := bpf/tlib.c ../loader/mirror.c ../loader/spd_build.c \
	../loader/spd_explain.c ../loader/config_map.c
BPF_TLIB_H := bpf/tlib.h ../loader/mirror.h ../loader/spd_build.h \
	../loader/spd_explain.h ../loader/config_map.h \
	$(BPF_DIR)/ipso_spd.h
BPF_TCFLAGS := -I$(BPF_DIR) -I../loader $(shell pkg-config --cflags libbpf)
BPF_TLIBS := $(shell pkg-config --libs libbpf) -lelf -lz
BPF_TESTS := test_bpf_classify test_bpf_xdp test_bpf_tc spd_diff bpf_bench mirror_tool

TEST_BINS += $(addprefix $(BIN)/,$(BPF_TESTS))

$(BPF_SKELS):
	$(MAKE) -C $(BPF_DIR)

$(BIN)/test_bpf_% : bpf/test_bpf_%.c $(BPF_TLIB) $(BPF_TLIB_H) $(BPF_SKELS) | $(BIN)
	$(CC) $(CFLAGS) $(BPF_TCFLAGS) -o $@ $< $(BPF_TLIB) $(BPF_TLIBS)

$(BIN)/spd_diff: bpf/spd_diff.c $(BPF_TLIB) $(BPF_TLIB_H) $(BPF_SKELS) | $(BIN)
	$(CC) $(CFLAGS) $(BPF_TCFLAGS) -o $@ $< $(BPF_TLIB) $(BPF_TLIBS)

$(BIN)/mirror_tool: bpf/mirror_tool.c $(BPF_TLIB) $(BPF_TLIB_H) $(BPF_SKELS) | $(BIN)
	$(CC) $(CFLAGS) $(BPF_TCFLAGS) -o $@ $< $(BPF_TLIB) $(BPF_TLIBS)

$(BIN)/bpf_bench: ../bench/bpf_bench.c $(BPF_TLIB) $(BPF_TLIB_H) $(BPF_SKELS) | $(BIN)
	$(CC) $(CFLAGS) $(BPF_TCFLAGS) -Ibpf -o $@ $< $(BPF_TLIB) $(BPF_TLIBS)
