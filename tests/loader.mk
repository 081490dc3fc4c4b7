# Loader test helpers (included by tests/Makefile).
TEST_BINS += $(BIN)/loader_wait_gen

$(BIN)/loader_wait_gen: tools/loader_wait_gen.c | $(BIN)
	$(CC) $(CFLAGS) -o $@ $< $(shell pkg-config --libs libbpf) -lelf -lz
