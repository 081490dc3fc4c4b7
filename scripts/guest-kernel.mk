# SPDX-License-Identifier: GPL-2.0
# The guest kernel: Debian 12's current 6.1 kernel, whatever ABI number the
# archive has today (never hard-coded: security updates move it).  The
# result is cached so make does not ask apt on every run.
GUEST_KVER_CACHE := $(dir $(lastword $(MAKEFILE_LIST)))../.cache/guest-kver
GUEST_KVER ?= $(shell cat $(GUEST_KVER_CACHE) 2>/dev/null || \
	$(dir $(lastword $(MAKEFILE_LIST)))guest-kver.sh)
GUEST_KDIR ?= /usr/src/linux-headers-$(GUEST_KVER)
