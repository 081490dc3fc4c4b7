# Loader test helpers (included by tests/Makefile).
TEST_BINS += $(BIN)/loader_wait_gen

$(BIN)/loader_wait_gen: tools/loader_wait_gen.c | $(BIN)
	$(CC) $(CFLAGS) -o $@ $< $(shell pkg-config --libs libbpf) -lelf -lz

# Unit checks of the loader's XFRM decoding (no kernel needed).
TEST_BINS += $(BIN)/loader_unit
LOADER_UNIT_SRCS := tools/loader_unit.c ../loader/xfrm_nl.c ../loader/kview.c \
	../loader/htab.c
$(BIN)/loader_unit: $(LOADER_UNIT_SRCS) $(wildcard ../loader/*.h) | $(BIN)
	$(CC) $(CFLAGS) -D_GNU_SOURCE -I../loader -o $@ $(LOADER_UNIT_SRCS) \
		$(shell pkg-config --libs libmnl)
