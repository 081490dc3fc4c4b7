# SPDX-License-Identifier: GPL-2.0
# ipsec-offload: BPF datapath, loader, kernel modules, tests.
#
#   make            build everything (BPF objects, loader, modules, tests)
#   make check      install missing packages, build, run all tests
#   make demo       the main job: offload demo in the QEMU guest
#   make bench      benchmarks (figures, not tests)
#   make KDIR=...   build the modules against another kernel tree
SUBDIRS := bpf loader kmod tests

all: $(SUBDIRS)

# The loader and the test programs embed skeletons of the BPF objects,
# and the tests link the loader's mirror: no parallel race on them.
loader: bpf
tests: bpf loader

$(SUBDIRS):
	@if [ -f $@/Makefile ]; then $(MAKE) -C $@; fi

deps:
	@scripts/deps.sh

check: deps
	@$(MAKE) --no-print-directory all
	@tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@bench/run.sh

clean:
	@for d in $(SUBDIRS); do \
		if [ -f $$d/Makefile ]; then $(MAKE) -C $$d clean; fi; \
	done
	rm -rf tests/out

.PHONY: all deps check demo bench clean $(SUBDIRS)
