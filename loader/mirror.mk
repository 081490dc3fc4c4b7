# SPDX-License-Identifier: GPL-2.0
# The mirror library (datapath helper's part of the loader build):
# included by loader/Makefile, which compiles MIRROR_SRCS into $(OUT)/mirror/.
# mirror.c embeds the skeleton of bpf/ipso_classify.bpf.o to create the
# pinned maps when they do not exist yet.
.DEFAULT_GOAL := all
MIRROR_SRCS += mirror.c spd_build.c spd_explain.c config_map.c
CFLAGS += -I$(OUT)
$(OUT)/mirror/mirror.o: $(OUT)/ipso_classify.skel.h spd_build.h ../bpf/ipso_spd.h config_map.h
$(OUT)/mirror/config_map.o: config_map.h
$(OUT)/mirror/spd_build.o: spd_build.h ../bpf/ipso_spd.h
$(OUT)/mirror/spd_explain.o: $(OUT)/ipso_classify.skel.h spd_explain.h ../bpf/ipso_spd.h
