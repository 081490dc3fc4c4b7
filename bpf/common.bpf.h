/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* Includes and constants every datapath object needs. */
#ifndef IPSO_COMMON_BPF_H
#define IPSO_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* linux/pkt_cls.h is not in vmlinux.h (they are macros). */
#ifndef TC_ACT_OK
#define TC_ACT_OK	0
#define TC_ACT_SHOT	2
#endif

#endif /* IPSO_COMMON_BPF_H */
