# SPDX-License-Identifier: GPL-2.0
# Test client of the bridge module's generic netlink family (guest tests).
TEST_BINS += $(BIN)/ipso_genl

$(BIN)/ipso_genl: kmod/ipso_genl.c ../include/ipsec_offload/genl.h | $(BIN)
	$(CC) $(PLAIN_CFLAGS) -static -o $@ $<
