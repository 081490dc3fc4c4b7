# SPDX-License-Identifier: GPL-2.0
# Tools of the simulated NIC's guest tests (tests/guest/test_sim_*.sh).
SIM_TOOLS := esp_inject mark_udp natt_sock xfrm_pkt
TEST_BINS += $(addprefix $(BIN)/,$(SIM_TOOLS))

$(addprefix $(BIN)/,$(SIM_TOOLS)): $(BIN)/%: sim/%.c | $(BIN)
	$(CC) $(PLAIN_CFLAGS) -static -o $@ $<

# Host unit test of kmod/ipsec_sim/replay.c (tests/host/test_sim_replay.sh).
TEST_BINS += $(BIN)/sim_replay_test

$(BIN)/sim_replay_test: sim/replay_test.c ../kmod/ipsec_sim/replay.c | $(BIN)
	$(CC) $(CFLAGS) -o $@ $<

# Test XDP program: counts the NIC's metadata (BTF for bpftool's output).
SIM_CLANG ?= clang
SIM_BPF_CFLAGS := -g -O2 -target bpf -Wall -Werror -I../include \
	-I/usr/include/$(shell $(CC) -dumpmachine)
TEST_BINS += $(BIN)/xdp_meta.bpf.o

$(BIN)/xdp_meta.bpf.o: sim/xdp_meta.bpf.c ../include/ipsec_offload/mark.h \
		../include/ipsec_offload/types.h | $(BIN)
	$(SIM_CLANG) $(SIM_BPF_CFLAGS) -c $< -o $@
