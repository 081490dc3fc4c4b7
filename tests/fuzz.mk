# SPDX-License-Identifier: GPL-2.0
# libFuzzer targets of the loader's parsers (tests/fuzz/), built with
# clang, ASan and UBSan, run by tests/host/test_fuzz_loader.sh; and the
# static recorder of their seed corpus from a real kernel's XFRM dumps.
# The targets compile the parsers' sources themselves, not libipso.a, so
# that the sanitizers instrument the code under test.
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -I../loader -I../loader/lib \
	-I../include -I../bpf
FUZZ_TARGETS := fuzz_xnl_decode fuzz_genl_decode fuzz_devperm
TEST_BINS += $(addprefix $(BIN)/,$(FUZZ_TARGETS)) $(BIN)/xfrm_record

$(BIN)/fuzz_xnl_decode: fuzz/fuzz_xnl_decode.c ../loader/lib/xfrm_nl.c \
		../loader/lib/mnl_utils.c fuzz/nlmsg_input.h | $(BIN)
	clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) -lmnl

$(BIN)/fuzz_genl_decode: fuzz/fuzz_genl_decode.c ../loader/lib/genl.c \
		../loader/lib/mnl_utils.c fuzz/nlmsg_input.h | $(BIN)
	clang $(FUZZ_CFLAGS) -o $@ fuzz/fuzz_genl_decode.c \
		../loader/lib/mnl_utils.c -lmnl

$(BIN)/fuzz_devperm: fuzz/fuzz_devperm.c ../loader/devperm.c \
		../loader/lib/errors.c | $(BIN)
	clang $(FUZZ_CFLAGS) -o $@ $^

$(BIN)/xfrm_record: fuzz/xfrm_record.c | $(BIN)
	$(CC) $(PLAIN_CFLAGS) -static -o $@ $<
