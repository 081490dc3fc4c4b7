// SPDX-License-Identifier: GPL-2.0
/*
 * Unit checks of the loader's XFRM decoding and SA direction logic on
 * crafted netlink messages (no kernel needed): strict length checks, no
 * key bytes copied, flags/ports/direction attributes, template limits,
 * flush semantics, and direction from policies; and of the netlink
 * layer's reading of extended acks.  Prints "ok:"/"FAIL:".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/xfrm.h>
#include <libmnl/libmnl.h>

#include "shadow.h"
#include "mnl_utils.h"
#include "xfrm_nl.h"

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

/* What the daemon's kernel-facing put does to the shadow. */
static struct shadow_sa *kv_put_sa(struct shadow *sh,
				   const struct xnl_event *ev)
{
	return shadow_put_sa(sh, &ev->sa, ev->sa_mark_v, ev->alg);
}
static void count_cb(struct shadow_sa *s, __u8 old_dir, void *ctx)
{
	(void)s;
	(void)old_dir;
	(void)ctx;
	redirected++;
}

static void test_direction(void)
{
	struct shadow sh;
	struct xnl_event ev, pe;
	struct shadow_sa *out, *in, *lone;

	shadow_init(&sh);
	xnl_decode(pol_msg(XFRM_POLICY_OUT, 1, 0), &pe);
	shadow_put_pol(&sh, &pe.pol);
	xnl_decode(pol_msg(XFRM_POLICY_IN, 1, 0), &pe);
	shadow_put_pol(&sh, &pe.pol);
	xnl_decode(sa_msg(IPPROTO_ESP, 0x1001, "10.0.0.2", "10.0.0.1"), &ev);
	out = kv_put_sa(&sh, &ev);
	xnl_decode(sa_msg(IPPROTO_ESP, 0x2002, "10.0.0.1", "10.0.0.2"), &ev);
	in = kv_put_sa(&sh, &ev);
	xnl_decode(sa_msg(IPPROTO_ESP, 0x3003, "10.9.9.9", "10.0.0.1"), &ev);
	lone = kv_put_sa(&sh, &ev);
	CHECK(out->d.dir == IPSO_DIR_OUT, "transport SA matching the out policy: out");
	CHECK(in->d.dir == IPSO_DIR_IN, "transport SA matching the in policy: in");
	CHECK(lone->d.dir == IPSO_DIR_UNKNOWN, "SA no policy accepts: unknown");
	shadow_forget_pol(&sh, shadow_find_pol(&sh, XFRM_POLICY_OUT,
						   8 + XFRM_POLICY_OUT));
	CHECK(shadow_sa_dir(&sh, out) == IPSO_DIR_UNKNOWN,
	      "out policy deleted: direction unknown again");

	/* reqid-indexed: a template of reqid 7 does not accept reqid 8. */
	{
		struct nlmsghdr *nlh = sa_msg(IPPROTO_ESP, 0x4004, "10.0.0.2",
					      "10.0.0.1");
		struct xfrm_usersa_info *p = mnl_nlmsg_get_payload(nlh);
		struct shadow_sa *other;

		p->reqid = 8;
		out->d.dir = IPSO_DIR_UNKNOWN;	/* as after the delete */
		xnl_decode(nlh, &ev);
		other = kv_put_sa(&sh, &ev);
		xnl_decode(pol_msg(XFRM_POLICY_OUT, 1, 0), &pe);
		shadow_put_pol(&sh, &pe.pol);
		redirected = 0;
		shadow_redirect(&sh, &pe.pol, count_cb, NULL);
		CHECK(shadow_sa_dir(&sh, out) == IPSO_DIR_OUT &&
		      other->d.dir == IPSO_DIR_UNKNOWN,
		      "template reqid 7 accepts the reqid 7 SA only");
		CHECK(redirected == 1 && out->d.dir == IPSO_DIR_OUT,
		      "policy add re-derives exactly the affected SA");
		pe.pol.tmpl[0].reqid = 0;
		pe.pol.index = 99;
		shadow_put_pol(&sh, &pe.pol);
		CHECK(shadow_sa_dir(&sh, other) == IPSO_DIR_OUT,
		      "template reqid 0 accepts any reqid");
	}
	while (sh.npol)
		shadow_forget_pol(&sh, (struct shadow_pol *)
				  htab_first(&sh.pols, &(size_t){ 0 }));
	CHECK(sh.pols.count == 0, "forgotten policies are freed");
	CHECK(shadow_sa_dir(&sh, out) == IPSO_DIR_UNKNOWN, "flush: unknown");
	shadow_redirect(&sh, NULL, count_cb, NULL);
	CHECK(out->d.dir == IPSO_DIR_UNKNOWN, "flush: re-derived unknown");
	while (sh.nsa)
		shadow_forget_sa(&sh, shadow_first_sa(&sh, &(size_t){ 0 }));
	CHECK(sh.sas.count == 0, "every SA forgotten: the table is empty");
	shadow_free(&sh);
}

/*
 * An NLMSG_ERROR as the kernel answers a 28-byte request: the request
 * echoed unless capped, then the extack TLVs (offs < 0: none).
 */
static struct nlmsghdr *err_msg(int error, bool capped, const char *text,
				long offs)
{
	static const unsigned char req_payload[12] = { 1, 2, 3, 4 };
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = 5;
	nlh->nlmsg_flags = (capped ? NLM_F_CAPPED : 0) |
			   (text || offs >= 0 ? NLM_F_ACK_TLVS : 0);
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	e->msg.nlmsg_len = sizeof(e->msg) + sizeof(req_payload);
	e->msg.nlmsg_type = 0x20;
	e->msg.nlmsg_seq = 5;
	if (!capped)
		memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(req_payload)),
		       req_payload, sizeof(req_payload));
	if (text)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, text);
	if (offs >= 0)
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, offs);
	return nlh;
}

static int no_data(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_ERROR;
}

/* What mnlu_run() prints on stderr for nlh, and what it returns. */
static int run_capture(const struct nlmsghdr *nlh, char *out, size_t size,
		       int *err)
{
	FILE *f = tmpfile();
	int saved = dup(2), ret;
	size_t n;

	fflush(stderr);
	dup2(fileno(f), 2);
	ret = mnlu_run(nlh, nlh->nlmsg_len, 5, 0, no_data, NULL);
	*err = errno;
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	n = fread(out, 1, size - 1, f);
	out[n] = 0;
	fclose(f);
	return ret;
}

static void test_ext_ack(void)
{
	const char *text = "ipsec_offload: device is down";
	struct mnlu_ext_ack ea;
	char out[256];
	int ret, err;

	CHECK(!mnlu_ext_ack_parse(err_msg(-ENETDOWN, false, text, 40), &ea) &&
	      ea.error == -ENETDOWN && ea.msg && !strcmp(ea.msg, text) &&
	      ea.offset == -1,
	      "extack after the echoed request: message, offset past it dropped");
	CHECK(!mnlu_ext_ack_parse(err_msg(-ENETDOWN, false, text, 20), &ea) &&
	      ea.offset == 20, "extack: offset inside the request kept");
	CHECK(!mnlu_ext_ack_parse(err_msg(-ENODEV, true, text, 16), &ea) &&
	      ea.error == -ENODEV && ea.msg && !strcmp(ea.msg, text) &&
	      ea.offset == 16, "extack of a capped ack");
	CHECK(!mnlu_ext_ack_parse(err_msg(ENOENT, true, NULL, -1), &ea) &&
	      ea.error == -ENOENT && !ea.msg,
	      "positive error number, no TLVs: -errno, no message");

	ret = run_capture(err_msg(-ENETDOWN, true, text, 16), out, sizeof(out),
			  &err);
	CHECK(ret == MNL_CB_ERROR && err == ENETDOWN,
	      "refusal: MNL_CB_ERROR with errno ENETDOWN");
	CHECK(!strcmp(out, "Error: ipsec_offload: device is down.\n"),
	      "refusal prints the kernel's message as iproute2 does");
	ret = run_capture(err_msg(-EINVAL, false, "bad value.", -1), out,
			  sizeof(out), &err);
	CHECK(ret == MNL_CB_ERROR && err == EINVAL &&
	      !strcmp(out, "Error: bad value.\n"),
	      "a message ending in a full stop gets no second one");
	ret = run_capture(err_msg(0, true, NULL, -1), out, sizeof(out), &err);
	CHECK(ret == MNL_CB_STOP && !out[0], "plain ack: stop, silent");
	ret = run_capture(err_msg(0, true, "ignoring FOO", -1), out,
			  sizeof(out), &err);
	CHECK(ret == MNL_CB_STOP && !strcmp(out, "Warning: ignoring FOO.\n"),
	      "ack with a message: a warning");
	{
		struct nlmsghdr *nlh = err_msg(-EINVAL, false, NULL, -1);

		nlh->nlmsg_len = MNL_NLMSG_HDRLEN + sizeof(int);
		ret = run_capture(nlh, out, sizeof(out), &err);
		CHECK(ret == MNL_CB_ERROR && err == EPROTO,
		      "truncated error message: EPROTO");
	}
	{
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		int *len;

		nlh->nlmsg_type = NLMSG_DONE;
		nlh->nlmsg_seq = 5;
		nlh->nlmsg_flags = NLM_F_MULTI | NLM_F_ACK_TLVS;
		len = mnl_nlmsg_put_extra_header(nlh, sizeof(*len));
		*len = -EMSGSIZE;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "dump too big");
		ret = run_capture(nlh, out, sizeof(out), &err);
		CHECK(ret == MNL_CB_ERROR && err == EMSGSIZE &&
		      !strcmp(out, "Error: dump too big.\n"),
		      "a dump ending in an error prints its message");
	}
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
	test_ext_ack();
	printf("checks failed: %d\n", fails);
	return fails ? 1 : 0;
}
