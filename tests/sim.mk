# SPDX-License-Identifier: GPL-2.0
# Tools of the simulated NIC's guest tests (tests/guest/test_sim_*.sh).
TEST_BINS += $(BIN)/esp_inject

$(BIN)/esp_inject: sim/esp_inject.c | $(BIN)
	$(CC) $(CFLAGS) -static -o $@ $<
TEST_BINS += $(BIN)/mark_udp

$(BIN)/mark_udp: sim/mark_udp.c | $(BIN)
	$(CC) $(CFLAGS) -static -o $@ $<
