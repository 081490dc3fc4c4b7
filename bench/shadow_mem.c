// SPDX-License-Identifier: GPL-2.0
/*
 * shadow_mem PIN_DIR NSA NPOL
 * Heap the loader's shadow of the kernel SAD/SPD holds for NSA SAs and
 * NPOL policies: the steps of a sync (ipso_sync()) fed with generated
 * entries instead of a dump, so SAs can be counted on a host that cannot
 * create them.  Prints one "bench: part=loader_shadow_mem ..." line:
 * heap in use after the sync minus before it (glibc mallinfo2), per
 * entry, and the process's peak RSS (VmHWM, maps not included).
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "mirror.h"
#include "xfrm_nl.h"

static size_t heap_in_use(void)
{
	return mallinfo2().uordblks;
}

static long peak_rss_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static void v4(union ipso_addr *a, __u32 host_order)
{
	memset(a, 0, sizeof(*a));
	a->a32[0] = htonl(host_order);
}

/* Policy i: 10.128.0.0 + i -> 10.129.0.0 + i, out, tunnel, reqid i. */
static void gen_policy(__u32 i, struct ipso_policy_desc *p)
{
	memset(p, 0, sizeof(*p));
	p->index = 8 * (i + 1) + IPSO_DIR_OUT;
	p->dir = IPSO_DIR_OUT;
	p->action = IPSO_ACT_PROTECT;
	p->priority = 100;
	p->sel.family = AF_INET;
	v4(&p->sel.saddr, 0x0a800000 + i);
	v4(&p->sel.daddr, 0x0a810000 + i);
	p->sel.prefixlen_s = 32;
	p->sel.prefixlen_d = 32;
	p->ntmpl = 1;
	p->tmpl[0].family = AF_INET;
	p->tmpl[0].proto = IPPROTO_ESP;
	p->tmpl[0].mode = IPSO_MODE_TUNNEL;
	p->tmpl[0].reqid = i + 1;
	v4(&p->tmpl[0].saddr, 0xc0a80001);
	v4(&p->tmpl[0].daddr, 0xc0a80002);
}

/* SA i: 192.168.0.1 -> 192.168.0.2, spi i, reqid i, direction unknown. */
static void gen_sa(__u32 i, struct xnl_event *ev)
{
	struct ipso_sa_desc *d = &ev->sa;

	memset(ev, 0, sizeof(*ev));
	ev->kind = XNL_SA_PUT;
	d->key.family = AF_INET;
	d->key.proto = IPPROTO_ESP;
	d->key.spi = htonl(0x1000 + i);
	v4(&d->key.daddr, 0xc0a80002);
	v4(&d->saddr, 0xc0a80001);
	d->reqid = i + 1;
	d->mode = IPSO_MODE_TUNNEL;
	d->dir = IPSO_DIR_UNKNOWN;
	d->icv_len = 16;
	snprintf(ev->alg, sizeof(ev->alg), "rfc4106(gcm(aes))");
	ev->key = d->key;
}

int main(int argc, char **argv)
{
	struct ipso_mirror *m;
	struct xnl_event ev;
	struct ipso_policy_desc p;
	size_t before, after;
	__u32 nsa, npol, i;
	int err;

	if (argc != 4) {
		fprintf(stderr, "usage: shadow_mem PIN_DIR NSA NPOL\n");
		return 2;
	}
	nsa = strtoul(argv[2], NULL, 0);
	npol = strtoul(argv[3], NULL, 0);
	m = ipso_mirror_open(argv[1]);
	if (!m) {
		fprintf(stderr, "shadow_mem: mirror: %s\n", strerror(errno));
		return 1;
	}
	before = heap_in_use();
	ipso_mirror_begin_sync(m);
	for (i = 0; i < npol; i++) {
		gen_policy(i, &p);
		if (ipso_mirror_put_policy(m, &p))
			return 1;
	}
	for (i = 0; i < nsa; i++) {
		struct shadow_sa *s;

		gen_sa(i, &ev);
		if (ipso_mirror_put_kernel_sa(m, &ev.sa, ev.sa_mark_v, ev.alg,
					      &s))
			return 1;
	}
	ipso_mirror_end_sync(m);
	err = ipso_mirror_commit(m);
	after = heap_in_use();
	printf("bench: part=loader_shadow_mem sas=%u policies=%u commit=%s "
	       "heap_bytes=%zu heap_bytes_per_entry=%.0f peak_rss_kib=%ld\n",
	       nsa, npol, err ? strerror(-err) : "ok", after - before,
	       (double)(after - before) / (nsa + npol ? nsa + npol : 1),
	       peak_rss_kib());
	ipso_mirror_close(m);
	return err ? 1 : 0;
}
