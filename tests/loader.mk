# Loader test helpers (included by tests/Makefile).
TEST_BINS += $(BIN)/loader_wait_gen

$(BIN)/loader_wait_gen: tools/loader_wait_gen.c | $(BIN)
	$(CC) $(CFLAGS) -o $@ $< $(shell pkg-config --libs libbpf) -lelf -lz

# Unit checks of the loader's XFRM decoding (no kernel needed).
TEST_BINS += $(BIN)/loader_unit
$(BIN)/loader_unit: tools/loader_unit.c $(IPSO_LIB) \
		$(wildcard ../loader/lib/*.h) | $(BIN)
	$(CC) $(CFLAGS) -D_GNU_SOURCE -I../loader/lib -o $@ $< $(IPSO_LIB) \
		$(shell pkg-config --libs libmnl)
