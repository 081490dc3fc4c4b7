# SPDX-License-Identifier: GPL-2.0
# ipsec-offload: BPF datapath, loader, kernel modules, tests.
#
#   make            build everything (BPF objects, loader, modules, tests)
#   make check      install missing packages, build, run all tests
#   make check-debug  every guest test on the debug kernel (KASAN, lockdep,
#                   kmemleak; scripts/debug-kernel.sh builds it once)
#   make demo       the main job: offload demo in the QEMU guest
#   make bench      benchmarks (figures, not tests)
#   make KDIR=...   build the modules against another kernel tree
#   make install    loader, man page, BPF objects, DKMS source, systemd
#                   unit and sample configuration (DESTDIR, PREFIX)
SUBDIRS := bpf loader kmod tests

all: $(SUBDIRS)

# The loader and the test programs embed skeletons of the BPF objects,
# and the tests link the loader's libipso.a: no parallel race on them.
loader: bpf
tests: bpf loader

$(SUBDIRS):
	@if [ -f $@/Makefile ]; then $(MAKE) -C $@; fi

deps:
	@scripts/deps.sh

check: deps
	@$(MAKE) --no-print-directory all
	@tests/run.sh

check-debug: deps
	@$(MAKE) --no-print-directory all
	@IPSO_GUEST_KERNELS=6.1-debug IPSO_DEBUG_TIER=0 tests/run.sh --guest-only

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@bench/run.sh

VERSION := $(shell sed -n 's/^\#define IPSO_VERSION\t"\(.*\)"/\1/p' loader/cli.h)
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
BPFOBJDIR ?= $(PREFIX)/lib/ipsec-offload
SRCDIR ?= /usr/src
SYSCONFDIR ?= /etc
UNITDIR ?= /lib/systemd/system
DKMS_SRC := $(DESTDIR)$(SRCDIR)/ipsec-offload-$(VERSION)
INSTALL ?= install

# Only what users run, and the sources DKMS builds the modules from.
install: install-bin install-dkms install-dist

install-bin: bpf loader
	$(INSTALL) -D -m755 loader/ipsec-offload $(DESTDIR)$(SBINDIR)/ipsec-offload
	$(INSTALL) -D -m644 docs/ipsec-offload.8 $(DESTDIR)$(MANDIR)/man8/ipsec-offload.8
	$(INSTALL) -d $(DESTDIR)$(BPFOBJDIR)
	$(INSTALL) -m644 bpf/ipso_tc.bpf.o bpf/ipso_xdp.bpf.o $(DESTDIR)$(BPFOBJDIR)/

install-dkms:
	$(INSTALL) -d $(DKMS_SRC)/include/ipsec_offload $(DKMS_SRC)/kmod
	$(INSTALL) -m644 include/ipsec_offload/*.h $(DKMS_SRC)/include/ipsec_offload/
	cd kmod && find mlx5_ipsec ipsec_sim Kbuild -type f \
		\( -name '*.[ch]' -o -name Kbuild \) \
		-exec $(INSTALL) -D -m644 {} $(DKMS_SRC)/kmod/{} \;
	sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf >$(DKMS_SRC)/dkms.conf

# The unit and the configuration samples; an existing configuration is
# the operator's and stays as it is.
install-dist:
	$(INSTALL) -D -m644 dist/ipsec-offload.service $(DESTDIR)$(UNITDIR)/ipsec-offload.service
	@for f in ipsec-offload.conf:$(SYSCONFDIR)/ipsec-offload.conf \
		  ipsec-offload.default:$(SYSCONFDIR)/default/ipsec-offload; do \
		dst=$(DESTDIR)$${f#*:}; \
		if [ -e "$$dst" ]; then echo "kept $$dst"; \
		else $(INSTALL) -D -m644 dist/$${f%%:*} "$$dst"; fi; \
	done

clean:
	@for d in $(SUBDIRS); do \
		if [ -f $$d/Makefile ]; then $(MAKE) -C $$d clean; fi; \
	done
	rm -rf tests/out

.PHONY: all deps check check-debug demo bench clean install install-bin install-dkms \
	install-dist $(SUBDIRS)
