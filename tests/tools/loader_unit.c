// SPDX-License-Identifier: GPL-2.0
/*
 * Unit checks of the loader's XFRM decoding and SA direction logic on
 * crafted netlink messages (no kernel needed): strict length checks, no
 * key bytes copied, flags/ports/direction attributes, template limits,
 * flush semantics, and direction from policies.  Prints "ok:"/"FAIL:".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/xfrm.h>
#include <libmnl/libmnl.h>

#include "../loader/kview.h"
#include "../loader/xfrm_nl.h"

static int fails;
#define CHECK(cond, what) do { \
	if (cond) printf("ok: %s\n", what); \
	else { printf("FAIL: %s\n", what); fails++; } } while (0)

static char buf[8192];
static const unsigned char key[20] = {
	0xde, 0xad, 0xbe, 0xef, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
	0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xf0, 0x0d };

static struct nlmsghdr *sa_msg(__u8 proto, __u32 spi, const char *dst,
			       const char *src)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct xfrm_usersa_info *p;

	nlh->nlmsg_type = XFRM_MSG_NEWSA;
	p = mnl_nlmsg_put_extra_header(nlh, sizeof(*p));
	p->family = AF_INET;
	p->id.proto = proto;
	p->id.spi = htonl(spi);
	inet_pton(AF_INET, dst, &p->id.daddr.a4);
	inet_pton(AF_INET, src, &p->saddr.a4);
	p->mode = XFRM_MODE_TRANSPORT;
	p->reqid = 7;
	p->sel.family = AF_INET;
	return nlh;
}

static void put_aead(struct nlmsghdr *nlh, size_t trunc)
{
	char a[sizeof(struct xfrm_algo_aead) + sizeof(key)];
	struct xfrm_algo_aead *alg = (struct xfrm_algo_aead *)a;

	memset(a, 0, sizeof(a));
	strcpy(alg->alg_name, "rfc4106(gcm(aes))");
	alg->alg_key_len = sizeof(key) * 8;
	alg->alg_icv_len = 128;
	memcpy(alg->alg_key, key, sizeof(key));
	mnl_attr_put(nlh, XFRMA_ALG_AEAD, sizeof(a) - trunc, a);
}

static bool contains_key(const void *p, size_t len)
{
	return memmem(p, len, key, 4) || memmem(p, len, key + 8, 4);
}

/*
 * XFRMA_SA_DIR and XFRM_SA_DIR_OUT as a newer kernel's own uapi header
 * numbers them (tests/host/test_loader_unit.sh reads them from the 6.12
 * headers): this machine's header may predate them.
 */
static int sa_dir_attr = -1, sa_dir_out = -1;

static void test_sa(void)
{
	struct xnl_event ev;
	struct nlmsghdr *nlh;
	struct xfrm_encap_tmpl enc = { .encap_type = 2,
				       .encap_sport = htons(4500),
				       .encap_dport = htons(4501) };

	nlh = sa_msg(IPPROTO_ESP, 0x1001, "10.0.0.2", "10.0.0.1");
	put_aead(nlh, 0);
	mnl_attr_put(nlh, XFRMA_ENCAP, sizeof(enc), &enc);
	if (sa_dir_attr > 0)
		mnl_attr_put_u8(nlh, sa_dir_attr, sa_dir_out);
	CHECK(!xnl_decode(nlh, &ev) && ev.kind == XNL_SA_PUT, "NEWSA decodes");
	CHECK(ev.sa.icv_len == 16, "ICV length 16 from XFRMA_ALG_AEAD");
	CHECK(!strcmp(ev.alg, "rfc4106(gcm(aes))"), "algorithm name copied");
	CHECK(!contains_key(&ev, sizeof(ev)), "no key byte in the decoded event");
	CHECK(ev.sa.key.spi == htonl(0x1001) && ev.sa.key.family == AF_INET &&
	      ev.sa.key.proto == IPPROTO_ESP && ev.sa.key.daddr.a8[0] == 10 &&
	      !ev.sa.key.daddr.a32[1], "SA key (daddr, spi, proto, family)");
	CHECK((ev.sa.flags & IPSO_SA_F_NATT) && ev.sa.encap_sport == htons(4500),
	      "XFRMA_ENCAP -> NATT flag and ports");
	CHECK(sa_dir_attr > 0 && ev.sa.dir == IPSO_DIR_OUT,
	      "XFRMA_SA_DIR, numbered as the newer kernel's header has it, "
	      "honoured");

	nlh = sa_msg(IPPROTO_ESP, 0x1001, "10.0.0.2", "10.0.0.1");
	put_aead(nlh, 8);
	CHECK(xnl_decode(nlh, &ev) == -EINVAL, "short XFRMA_ALG_AEAD refused");

	nlh = sa_msg(IPPROTO_ESP, 0x1001, "10.0.0.2", "10.0.0.1");
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 10;
	CHECK(xnl_decode(nlh, &ev) == -EINVAL, "truncated xfrm_usersa_info refused");

	nlh = sa_msg(IPPROTO_AH, 0x2002, "10.0.0.2", "10.0.0.1");
	CHECK(!xnl_decode(nlh, &ev) && ev.kind == XNL_IGNORE, "AH SA ignored");
}

static struct nlmsghdr *pol_msg(__u8 dir, int ntmpl, size_t tmpl_extra)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct xfrm_userpolicy_info *p;
	struct xfrm_user_tmpl t[6];

	nlh->nlmsg_type = XFRM_MSG_NEWPOLICY;
	p = mnl_nlmsg_put_extra_header(nlh, sizeof(*p));
	p->dir = dir;
	p->index = 8 + dir;
	p->sel.family = AF_INET;
	p->sel.prefixlen_d = p->sel.prefixlen_s = 32;
	inet_pton(AF_INET, dir == XFRM_POLICY_OUT ? "10.0.0.2" : "10.0.0.1",
		  &p->sel.daddr.a4);
	inet_pton(AF_INET, dir == XFRM_POLICY_OUT ? "10.0.0.1" : "10.0.0.2",
		  &p->sel.saddr.a4);
	memset(t, 0, sizeof(t));
	for (int i = 0; i < 6; i++) {
		t[i].family = AF_INET;
		t[i].id.proto = IPPROTO_ESP;
		t[i].mode = XFRM_MODE_TRANSPORT;
		t[i].reqid = 7;
	}
	if (ntmpl)
		mnl_attr_put(nlh, XFRMA_TMPL, ntmpl * sizeof(t[0]) + tmpl_extra, t);
	return nlh;
}

static void test_policy(void)
{
	struct xnl_event ev;
	struct nlmsghdr *nlh;
	struct xfrm_usersa_flush *f;

	nlh = pol_msg(XFRM_POLICY_OUT, 1, 0);
	CHECK(!xnl_decode(nlh, &ev) && ev.kind == XNL_POL_PUT &&
	      ev.pol.action == IPSO_ACT_PROTECT && ev.pol.ntmpl == 1,
	      "protect policy with one template");
	nlh = pol_msg(XFRM_POLICY_OUT, 5, 0);
	CHECK(xnl_decode(nlh, &ev) == -E2BIG, "5 templates refused (E2BIG)");
	nlh = pol_msg(XFRM_POLICY_OUT, 1, 4);
	CHECK(xnl_decode(nlh, &ev) == -EINVAL, "ragged XFRMA_TMPL refused");
	nlh = pol_msg(XFRM_POLICY_MAX, 0, 0);
	CHECK(!xnl_decode(nlh, &ev) && ev.kind == XNL_IGNORE,
	      "socket policy direction ignored");

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = XFRM_MSG_FLUSHSA;
	f = mnl_nlmsg_put_extra_header(nlh, sizeof(*f));
	f->proto = 0;
	CHECK(!xnl_decode(nlh, &ev) && ev.kind == XNL_SA_FLUSH,
	      "FLUSHSA proto 0 (ip xfrm state flush) flushes");
	f->proto = IPPROTO_AH;
	CHECK(!xnl_decode(nlh, &ev) && ev.kind == XNL_IGNORE,
	      "FLUSHSA proto AH leaves ESP SAs");
}

static int redirected;
static void count_cb(struct kv_sa *s, void *ctx)
{
	(void)s;
	(void)ctx;
	redirected++;
}

static void test_direction(void)
{
	struct kview kv;
	struct xnl_event ev, pe;
	struct kv_sa *out, *in, *lone;

	kv_init(&kv);
	xnl_decode(pol_msg(XFRM_POLICY_OUT, 1, 0), &pe);
	kv_put_pol(&kv, &pe.pol);
	xnl_decode(pol_msg(XFRM_POLICY_IN, 1, 0), &pe);
	kv_put_pol(&kv, &pe.pol);
	xnl_decode(sa_msg(IPPROTO_ESP, 0x1001, "10.0.0.2", "10.0.0.1"), &ev);
	out = kv_put_sa(&kv, &ev);
	xnl_decode(sa_msg(IPPROTO_ESP, 0x2002, "10.0.0.1", "10.0.0.2"), &ev);
	in = kv_put_sa(&kv, &ev);
	xnl_decode(sa_msg(IPPROTO_ESP, 0x3003, "10.9.9.9", "10.0.0.1"), &ev);
	lone = kv_put_sa(&kv, &ev);
	CHECK(out->d.dir == IPSO_DIR_OUT, "transport SA matching the out policy: out");
	CHECK(in->d.dir == IPSO_DIR_IN, "transport SA matching the in policy: in");
	CHECK(lone->d.dir == IPSO_DIR_UNKNOWN, "SA no policy accepts: unknown");
	kv_del_pol(&kv, XFRM_POLICY_OUT, 8 + XFRM_POLICY_OUT);
	CHECK(kv_sa_dir(&kv, out) == IPSO_DIR_UNKNOWN,
	      "out policy deleted: direction unknown again");

	/* reqid-indexed: a template of reqid 7 does not accept reqid 8. */
	{
		struct nlmsghdr *nlh = sa_msg(IPPROTO_ESP, 0x4004, "10.0.0.2",
					      "10.0.0.1");
		struct xfrm_usersa_info *p = mnl_nlmsg_get_payload(nlh);
		struct kv_sa *other;

		p->reqid = 8;
		out->d.dir = IPSO_DIR_UNKNOWN;	/* as after the delete */
		xnl_decode(nlh, &ev);
		other = kv_put_sa(&kv, &ev);
		xnl_decode(pol_msg(XFRM_POLICY_OUT, 1, 0), &pe);
		kv_put_pol(&kv, &pe.pol);
		redirected = 0;
		kv_redirect(&kv, &pe.pol, count_cb, NULL);
		CHECK(kv_sa_dir(&kv, out) == IPSO_DIR_OUT &&
		      other->d.dir == IPSO_DIR_UNKNOWN,
		      "template reqid 7 accepts the reqid 7 SA only");
		CHECK(redirected == 1 && out->d.dir == IPSO_DIR_OUT,
		      "policy add re-derives exactly the affected SA");
		pe.pol.tmpl[0].reqid = 0;
		pe.pol.index = 99;
		kv_put_pol(&kv, &pe.pol);
		CHECK(kv_sa_dir(&kv, other) == IPSO_DIR_OUT,
		      "template reqid 0 accepts any reqid");
	}
	kv_flush_pols(&kv);
	CHECK(kv_sa_dir(&kv, out) == IPSO_DIR_UNKNOWN, "flush: unknown");
	kv_flush_sas(&kv);
	CHECK(kv.sas.count == 0, "SA flush empties the view");
	kv_free(&kv);
}

int main(void)
{
	const char *a = getenv("IPSO_KERNEL_XFRMA_SA_DIR");
	const char *o = getenv("IPSO_KERNEL_XFRM_SA_DIR_OUT");

	if (a && o) {
		sa_dir_attr = atoi(a);
		sa_dir_out = atoi(o);
	}
	test_sa();
	test_policy();
	test_direction();
	printf("checks failed: %d\n", fails);
	return fails ? 1 : 0;
}
